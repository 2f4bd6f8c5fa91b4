/**
 * The registry: every feature of the bot, in /help order (the command menu and /help list their
 * commands in this order). create-bot.ts installs their composers in this order, then the
 * unknown-command fallback; callback-data.ts decodes a press by its prefix through their button
 * schemas; command-table.ts is their commands.
 *
 * | feature file     | commands            | buttons (callback data)                          |
 * |------------------|---------------------|--------------------------------------------------|
 * | help.ts          | /start, /help       |                                                  |
 * | balance.ts       | /balance            | `b:all` show all, `r:b` refresh                  |
 * | open-orders.ts   | /orders             | `k:<symbol>:<orderId>:<ownerId>` cancel one, `r:o:<symbol>` refresh |
 * | price.ts         | /price              | `r:p:<symbol>` refresh                           |
 * | top.ts           | /top                | `t:<g\|l\|v>:<N>:<quote>` switch the ranking      |
 * | ta.ts            | /ta                 |                                                  |
 * | fractals.ts      | /fractals           |                                                  |
 * | orders.ts        | /buy, /sell         | `oc:<intentId>` Confirm, `od:<intentId>` Cancel on a card (also /stop's) |
 * | stops.ts         | /stop, /stops       | `r:x` refresh /stops                             |
 * | tp.ts            | /tp                 | (its card's Confirm / Cancel are orders.ts's)    |
 * | cancel.ts        | /cancel             | `m:<cancelId>` confirm, `n:<cancelId>` keep them  |
 * | pause.ts         | /pause, /resume     |                                                  |
 * | status.ts        | /status             | `r:s` refresh                                    |
 * | alerts.ts        | /alerts             | `a:<f\|s\|e\|y>:<o\|q\|x>:<ownerId>` one setting   |
 * | positions.ts     | /positions          | `lp:<page>` page / refresh                       |
 * | pnl.ts           | /pnl                | `lq:<period>:<filter>:<page>` page / refresh, `lr:<userId>` / `lk:<userId>` rebuild or keep the ledger |
 * | trades.ts        | /trades             | `lt:<filter>:<N>:<page>` page / refresh          |
 * | equity.ts        | /equity             | `r:q:<range>` redraw the chart                    |
 * | periods.ts       | /daily, /weekly, /monthly | `pd:<d\|w\|m>:<N>:<page>` page, `r:pd:…` refresh |
 * | report.ts        | /report             |                                                  |
 * | app.ts           | /app                | (a `web_app` button: no callback data)           |
 * | backtest.ts      | /backtest           |                                                  |
 * | signal.ts        | /signal             | `r:sg` refresh /signal list                      |
 * | alert.ts         | /alert              | `pa:x:<id>:<ownerId>` off, `r:pa:<ownerId>` refresh, `pa:c:<symbol>:<interval>` chart, `pa:b:<symbol>` buy card |
 * | unknown.ts       | (anything else)     |                                                  |
 *
 * The registry is built on first use, not at import: a feature may import a module that imports
 * this one (fractals.ts → chat-scope.ts → callback-data.ts), and must not meet itself unfinished.
 */
import type { Composer, Context } from 'grammy';
import type { CallbackHandlers } from '../callback-router.js';
import { alertFeature, type PriceAlertButton } from './alert.js';
import { alertsFeature, type AlertsButton } from './alerts.js';
import { appFeature } from './app.js';
import { backtestFeature } from './backtest.js';
import { signalFeature, type SignalButton } from './signal.js';
import { balanceFeature, type BalanceButton } from './balance.js';
import { bracketsFeature, type BracketButton } from './brackets.js';
import { cancelFeature, type CancelButton } from './cancel.js';
import { equityFeature, type EquityButton } from './equity.js';
import type { ButtonSchema, CommandSpec, FeatureEnv } from './feature.js';
import { fractalsFeature } from './fractals.js';
import { helpFeature } from './help.js';
import { openOrdersFeature, type OpenOrdersButton } from './open-orders.js';
import { ordersFeature, type OrderCardButton } from './orders.js';
import { pauseFeature } from './pause.js';
import { pnlFeature, type PnlButton } from './pnl.js';
import { positionsFeature, type PositionsButton } from './positions.js';
import { tradesFeature, type TradesButton } from './trades.js';
import { periodsFeature, type PeriodsButton } from './periods.js';
import { priceFeature, type PriceButton } from './price.js';
import { reportFeature } from './report.js';
import { statusFeature, type StatusButton } from './status.js';
import { stopsFeature, type StopsButton } from './stops.js';
import { taFeature } from './ta.js';
import { tpFeature } from './tp.js';
import { topFeature, type TopButton } from './top.js';
import { unknownFeature } from './unknown.js';

/** Every button the bot makes, decoded: the union of the features' own schemas. */
export type CallbackAction =
  | OrderCardButton
  | CancelButton
  | OpenOrdersButton
  | BalanceButton
  | TopButton
  | AlertsButton
  | PriceButton
  | StatusButton
  | StopsButton
  | EquityButton
  | PeriodsButton
  | SignalButton
  | PositionsButton
  | PnlButton
  | TradesButton
  | BracketButton
  | PriceAlertButton;

/** A feature as the registry sees it, whatever its own button type. */
export interface RegisteredFeature {
  name: string;
  commands: readonly CommandSpec[];
  composer(env: FeatureEnv): Composer<Context>;
  buttons?: ButtonSchema<CallbackAction>;
  handlers?(env: FeatureEnv): Partial<CallbackHandlers>;
}

export interface FeatureRegistry {
  /** In installation order; the unknown-command fallback last. */
  features: readonly RegisteredFeature[];
  commands: readonly CommandSpec[];
  /** `k`, `r:o`, … → the schema that reads it. */
  byPrefix: ReadonlyMap<string, ButtonSchema<CallbackAction>>;
  byKind: ReadonlyMap<CallbackAction['kind'], ButtonSchema<CallbackAction>>;
}

let registry: FeatureRegistry | undefined;

export function featureRegistry(): FeatureRegistry {
  registry ??= buildRegistry([
    helpFeature,
    balanceFeature,
    openOrdersFeature,
    priceFeature,
    topFeature,
    taFeature,
    fractalsFeature,
    ordersFeature,
    bracketsFeature,
    stopsFeature,
    tpFeature,
    cancelFeature,
    pauseFeature,
    statusFeature,
    alertsFeature,
    alertFeature,
    positionsFeature,
    pnlFeature,
    tradesFeature,
    equityFeature,
    periodsFeature,
    reportFeature,
    appFeature,
    backtestFeature,
    signalFeature,
    unknownFeature,
  ]);
  return registry;
}

/** Refuses two features claiming one command, prefix or button kind. */
export function buildRegistry(features: readonly RegisteredFeature[]): FeatureRegistry {
  const commands = features.flatMap((f) => f.commands);
  const byPrefix = new Map<string, ButtonSchema<CallbackAction>>();
  const byKind = new Map<CallbackAction['kind'], ButtonSchema<CallbackAction>>();
  const names = new Set<string>();
  for (const command of commands) {
    if (names.has(command.name)) throw new Error(`command /${command.name} is registered twice`);
    names.add(command.name);
  }
  for (const feature of features) {
    const schema = feature.buttons;
    if (!schema) continue;
    for (const prefix of schema.prefixes) {
      if (byPrefix.has(prefix)) throw new Error(`callback prefix "${prefix}" is registered twice (${feature.name})`);
      byPrefix.set(prefix, schema);
    }
    for (const kind of schema.kinds) {
      if (byKind.has(kind)) throw new Error(`button kind "${kind}" is registered twice (${feature.name})`);
      byKind.set(kind, schema);
    }
  }
  return { features, commands, byPrefix, byKind };
}

/** Every feature's button handlers, one per kind; throws when a kind has none. */
export function buttonHandlers(env: FeatureEnv, registered: FeatureRegistry = featureRegistry()): CallbackHandlers {
  const handlers: Partial<CallbackHandlers> = {};
  for (const feature of registered.features) Object.assign(handlers, feature.handlers?.(env));
  for (const kind of registered.byKind.keys()) {
    if (!handlers[kind]) throw new Error(`no handler for the "${kind}" button`);
  }
  return handlers as CallbackHandlers;
}
