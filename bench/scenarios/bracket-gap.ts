/**
 * Scenario 8: the unprotected gap of a trailing move inside a bracket (DESIGN.md §5b). Binance has
 * no replace for order lists, so a move is `DELETE /api/v3/orderList` then
 * `POST /api/v3/orderList/oco`: the position has no stop from the moment the cancel executes until
 * the new list is accepted. Measured here, against the paper exchange in its own process, through
 * our REST client, as the client sees it: from sending the DELETE to the OCO's answer (an upper
 * bound of the exchange-side gap; the two requests run back to back, as one job sends them).
 *
 * The second row is the product's own move (src/trading/stops/stop-list-mover.ts through the stop
 * mover, with Redis): between the DELETE and the OCO it also reads the price (a stop crossed in
 * the gap sells instead) and sets the new list's send mark, and it records the move afterwards.
 * The clock runs from the DELETE being sent to the new list's answer, as the exchange client sees
 * them; one managed stop with a target, moved up a cent a move.
 */
import { Registry } from 'prom-client';
import { createRestClient } from '../../src/binance/rest-client.js';
import { createLogger } from '../../src/logger.js';
import type { ExchangeClient } from '../../src/binance/exchange-client.js';
import { createStopMover } from '../../src/trading/stops/stop-mover.js';
import { createStopStore } from '../../src/trading/stops/stop-store.js';
import type { ManagedStop } from '../../src/trading/stops/stop-types.js';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild, type SimChild } from '../support/sim-child.js';
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
  const product = summarize(await productGaps(moves, warmup));
  ctx.log(`bracket gap, the product's move: p50 ${product.p50} ms, p99 ${product.p99} ms over ${product.n} moves`);
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
      {
        what: "no stop during the product's list move (stop-list-mover.ts: DELETE, price check, send mark, OCO)",
        unit: 'ms',
        median: product.p50,
        p99: product.p99,
        n: product.n,
        note: 'loopback, paper exchange in its own process, Redis',
      },
    ],
    details: { client: s, product },
  };
}

/** The product's moves of one managed stop with a target: cancel sent → new list answered, per move. */
async function productGaps(moves: number, warmup: number): Promise<number[]> {
  const sim: SimChild = await startSimChild();
  const [user] = benchUsers(1);
  const app = await startBenchApp({ sim, users: [user!], orderWorker: false, alerts: false });
  const gaps: number[] = [];
  let sentAt = 0;
  const client = app.exchange.client;
  // The gap as the exchange client sees it: from the DELETE leaving to the new list's answer.
  const timed: ExchangeClient = new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'cancelOrderList') return (...args: Parameters<ExchangeClient['cancelOrderList']>) => ((sentAt = performance.now()), target.cancelOrderList(...args));
      if (property === 'newOco') {
        return async (...args: Parameters<ExchangeClient['newOco']>) => {
          const list = await target.newOco(...args);
          gaps.push(performance.now() - sentAt);
          return list;
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  const { stack, logger } = app;
  const store = createStopStore({ redis: stack.producer, prefix: stack.prefix });
  const mover = createStopMover({ exchange: timed, symbols: app.exchange.exchangeInfo, store, records: stack.records, alerts: stack.alertsQueue, audit: stack.audit, logger, limitOffsetPct: '0.5' });
  try {
    const listId = 'bkl-benchgap00000000-m1';
    const list = await client.newOco({
      symbol: 'BTCUSDT',
      side: 'SELL',
      quantity: '0.01',
      listClientOrderId: listId,
      above: { type: 'LIMIT_MAKER', price: '70000', clientOrderId: `t${listId.slice(1)}` },
      below: { type: 'STOP_LOSS_LIMIT', stopPrice: '60000', price: '59700', timeInForce: 'GTC', clientOrderId: `s${listId.slice(1)}` },
    });
    const [stopLeg, targetLeg] = [list.orderReports!.find((o) => o.type === 'STOP_LOSS_LIMIT')!, list.orderReports!.find((o) => o.type === 'LIMIT_MAKER')!];
    let { stop } = await store.create({
      id: 'benchgap00000000', kind: 'fixed', symbol: 'BTCUSDT', userId: user!.id, chatId: user!.id, quantity: '0.01', armedAt: 0, createdAt: Date.now(), status: 'active',
      stopPrice: '60000', limitPrice: '59700', orderId: stopLeg.orderId, clientOrderId: stopLeg.clientOrderId, orders: 1,
      target: { price: '70000', orderId: targetLeg.orderId, orderListId: list.orderListId, listClientOrderId: listId },
    });
    for (let i = 1; i <= moves + warmup; i++) {
      const stopPrice = (60000 + i / 100).toFixed(2);
      const outcome = await mover.moveTo(stop as ManagedStop, { stopPrice, basis: { kind: 'fractal', price: stopPrice, openTime: i }, closeTime: i }, { price: '65000' });
      if (outcome.kind !== 'moved') throw new Error(`move ${i}: ${outcome.kind}`);
      stop = outcome.stop;
    }
  } finally {
    await app.close();
    await sim.close();
  }
  return gaps.slice(warmup);
}
