/**
 * Redis commands the product process sends per Confirm, by command and by the product function
 * that sent it (the first frame outside node_modules): where the round trips come from.
 *   node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/redis-callers.js [count]
 */
import { Redis } from 'ioredis';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { sleep } from '../lib/stats.js';

const count = Number(process.argv[2] ?? 50);
const sim = await startSimChild();
const [user] = benchUsers(1);
const app = await startBenchApp({ sim, users: [user!] });
Error.stackTraceLimit = 60;
const calls = new Map<string, number>();
let counting = false;
const proto = Redis.prototype as unknown as { sendCommand(command: { name: string; args: unknown[] }, stream?: unknown): unknown };
const original = proto.sendCommand;
proto.sendCommand = function (this: unknown, command, stream) {
  if (counting) {
    const frames = (new Error().stack ?? '').split('\n').slice(2);
    const own = frames.find((f) => /\/dist\//.test(f) && !/node_modules/.test(f))?.trim().replace(/^at /, '').replace(/\(?\/.*\/dist\//, '(') ?? '(none)';
    const bullFrame = frames.find((f) => /node_modules\/bullmq/.test(f) && !/ioredis-client|redis-queue-backend.js:\d+:\d+\)$/.test(f) || /RedisQueueBackend\.\w+/.test(f));
    const bull = bullFrame ? ` [bullmq ${bullFrame.trim().replace(/^at /, '').replace(/ \(.*$/, '')}]` : '';
    const script = command.name === 'evalsha' || command.name === 'eval' ? ` ${String((command as { args: unknown[] }).args[0]).slice(0, 8)}` : '';
    const key = `${command.name}${script}${bull} ← ${own}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  }
  return original.call(this, command, stream);
};
for (let i = 0; i < 10; i++) {
  const card = await app.card(user!, '/buy BTCUSDT 0.001');
  await app.bot.handleUpdate(app.confirmUpdate(user!, card) as never);
  await app.filled(user!, card);
}
const cards = [];
for (let i = 0; i < count; i++) cards.push(await app.card(user!, '/buy BTCUSDT 0.001'));
await sleep(500);
counting = true;
for (const card of cards) {
  await app.bot.handleUpdate(app.confirmUpdate(user!, card) as never);
  await app.filled(user!, card);
}
await sleep(500);
counting = false;
const rows = [...calls].sort((a, b) => b[1] - a[1]);
console.log(`per Confirm: ${rows.reduce((s, [, n]) => s + n, 0) / count} commands`);
for (const [key, n] of rows) console.log(`${(n / count).toFixed(2).padStart(6)}  ${key}`);
await app.close();
await sim.close();
