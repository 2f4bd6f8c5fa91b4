import { it } from 'vitest';
import { startHarness, TRADER } from './pipeline-harness.js';

it('confirm → order arrival latency', async () => {
  const h = await startHarness({ sim: { balances: { USDT: '100000000' } } });
  h.startWorker({ concurrency: 8 });
  const N = 300;
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const card = await h.service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.001' } }, TRADER);
    const t0 = Date.now();
    await h.service.confirm(card.intentId, TRADER.userId);
    await h.settled(card.intentId);
    const post = h.orderPosts().at(-1)!;
    samples.push(post.receivedAt - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  console.log('sequential p50', q(0.5), 'p99', q(0.99), 'max', samples.at(-1));
  await h.close();
}, 120_000);
