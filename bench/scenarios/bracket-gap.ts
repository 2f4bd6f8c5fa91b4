/**
 * Scenario 8: the unprotected gap of a trailing move inside a bracket (DESIGN.md §5b). Binance has
 * no replace for order lists, so a move is `DELETE /api/v3/orderList` then
 * `POST /api/v3/orderList/oco`: the position has no stop from the moment the cancel executes until
 * the new list is accepted. Measured here, against the paper exchange in its own process, through
 * our REST client, as the client sees it: from sending the DELETE to the OCO's answer (an upper
 * bound of the exchange-side gap; the two requests run back to back, as one job sends them).
 */
import { Registry } from 'prom-client';
import { createRestClient } from '../../src/binance/rest-client.js';
import { createLogger } from '../../src/logger.js';
import { startSimChild } from '../support/sim-child.js';
import { summarize } from '../lib/stats.js';
import type { ScenarioContext, ScenarioResult } from '../lib/types.js';

export async function bracketGap(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = '8. Bracket move: DELETE orderList → POST orderList/oco gap';
  const sim = await startSimChild();
  const exchange = createRestClient({
    baseUrl: sim.restUrl,
    apiKey: sim.apiKey,
    signer: sim.signer,
    logger: createLogger({ level: 'silent' }),
    registry: new Registry(),
    timeoutMs: 5_000,
    recvWindowMs: 5_000,
    clockRefreshMs: 0,
  });
  const moves = ctx.quick ? 100 : 1_000;
  const warmup = 20;
  const gaps: number[] = [];
  try {
    let listId = 'gap-0';
    const oco = (id: string, stop: string) =>
      exchange.newOco({
        symbol: 'BTCUSDT',
        side: 'SELL',
        quantity: '0.01',
        listClientOrderId: id,
        above: { type: 'LIMIT_MAKER', price: '70000' },
        below: { type: 'STOP_LOSS_LIMIT', stopPrice: stop, price: '59000', timeInForce: 'GTC' },
      });
    await oco(listId, '60000');
    for (let i = 1; i <= moves + warmup; i++) {
      const next = `gap-${i}`;
      // Trailing up a cent a move, as a stop only moves up.
      const stop = (60000 + i / 100).toFixed(2);
      const started = performance.now();
      await exchange.cancelOrderList({ symbol: 'BTCUSDT', listClientOrderId: listId });
      await oco(next, stop);
      if (i > warmup) gaps.push(performance.now() - started);
      listId = next;
    }
  } finally {
    await exchange.close();
    await sim.close();
  }
  const s = summarize(gaps);
  ctx.log(`bracket gap: p50 ${s.p50} ms, p99 ${s.p99} ms over ${s.n} moves`);
  return {
    id: 'bracket-gap',
    title,
    rows: [
      {
        what: 'no stop on the exchange during a bracket move (client-side upper bound)',
        unit: 'ms',
        median: s.p50,
        p99: s.p99,
        n: s.n,
        note: 'loopback, paper exchange in its own process',
      },
    ],
    details: s,
  };
}
