/**
 * How big a chaos, fuzz or authorization run is. `npm test` runs the short form (CI: each suite
 * seconds, all of them well under two minutes); `npm run test:chaos` sets CHAOS_FULL=1 for the
 * figures of docs/RELIABILITY.md. Any single figure can be overridden by its own variable.
 */

export const FULL_RUN = process.env.CHAOS_FULL === '1';

function count(variable: string, short: number, full: number): number {
  const raw = process.env[variable];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, got ${raw}`);
    return value;
  }
  return FULL_RUN ? full : short;
}

export const scale = {
  /** Worker-kill trials: one SIGKILL each. */
  killTrials: () => count('CHAOS_TRIALS', 6, 100),
  /** Bracket-kill trials: one plan and one SIGKILL in its placement each (seven kill points). */
  bracketKillTrials: () => count('CHAOS_BRACKET_TRIALS', 7, 50),
  /** Bracket-move trials: one trailing plan and one SIGKILL in a move of its OCO list each (five kill points). With the placements, 100 kills in the full form. */
  bracketMoveTrials: () => count('CHAOS_BRACKET_MOVE_TRIALS', 5, 50),
  /** Lock-lost trials: one order worker stalled in its re-validation and its job lock deleted, each. */
  lockLostTrials: () => count('CHAOS_LOCK_TRIALS', 4, 100),
  /** Orders per user in the exchange-faults run (20 users). */
  faultRounds: () => count('CHAOS_FAULT_ROUNDS', 1, 10),
  /** Confirmations in the Redis-restart burst. */
  redisBurst: () => count('CHAOS_REDIS_BURST', 12, 60),
  /** Alerts through the faulty fake Bot API. */
  telegramAlerts: () => count('CHAOS_ALERTS', 40, 400),
  /** Alerts-worker SIGKILLs in the alerts-kill run (one per planned alert). */
  alertKills: () => count('CHAOS_ALERT_KILLS', 12, 100),
  /** Generated updates through bot.handleUpdate. */
  fuzzCases: () => count('FUZZ_CASES', 5_000, 100_000),
  /** Updates from users not on the allow-list. */
  authUpdates: () => count('AUTH_UPDATES', 2_000, 10_000),
  /** Stop-kill trials: one stop armed and one SIGKILL planned in its move each (seven kill points). */
  stopTrials: () => count('CHAOS_STOP_TRIALS', 7, 63),
  /** Jobs in flight when SIGTERM arrives. */
  shutdownLoad: () => count('CHAOS_SHUTDOWN_LOAD', 6, 20),
};

/** A per-test timeout that grows with the run (generous: the deadline only turns a hang into a failure). */
export function budgetMs(base: number, perUnit: number, units: number): number {
  return base + perUnit * units;
}
