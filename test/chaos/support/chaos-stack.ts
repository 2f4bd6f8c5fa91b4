/**
 * The product wired for the reliability suites as `node dist/main.js all` wires it
 * (test/support/test-stack.ts: the production trading stack, the components' build functions,
 * botDepsOf) — the simulator over real HTTP, real Redis, the real grammY bot against the fake
 * Bot API — with the knobs the suites need: which workers run in
 * this process (the worker-kill suite runs them as child processes instead), which Redis (the
 * restart suite brings its own), a recording logger and a recording signer for the secrets scan.
 */
import type { UserFromGetMe } from 'grammy/types';
import type { Redis } from 'ioredis';
import { botDepsOf, buildAlertsWorker, buildOrderWorker, buildUserStreamService } from '../../../src/app/components.js';
import type { AlertsQueue } from '../../../src/alerts/alerts-queue.js';
import { createAlertsApi, type AlertsWorker, type CreateAlertsApiOptions } from '../../../src/alerts/alerts-worker.js';
import type { UserStreamService } from '../../../src/alerts/user-stream-service.js';
import type { ExchangeInfoCache } from '../../../src/binance/exchange-info-cache.js';
import type { RestClient } from '../../../src/binance/rest-client.js';
import { createBot } from '../../../src/bot/create-bot.js';
import type { OrderRecords } from '../../../src/trading/orders/order-records.js';
import type { OrderWorker, OrderWorkerOptions } from '../../../src/trading/orders/order-worker.js';
import type { OrdersQueue } from '../../../src/trading/orders/orders-queue.js';
import type { TradingServiceHandle } from '../../../src/trading/trading-service.js';
import type { Order } from '../../../src/binance/types.js';
import { callbackUpdate, FAKE_BOT_USER, messageUpdate, startFakeBotApi, type FakeBotApi, type StoredMessage, type UpdateUser } from '../../support/fake-bot-api.js';
import { uniquePrefix } from '../../support/redis.js';
import { startTestSimulator, type TestSimulator, type TestSimulatorOptions } from '../../support/simulator.js';
import { endpointsOf, startTestStack, testWorkerTimings } from '../../support/test-stack.js';
import { createLogCapture, findSecrets, recordSignatures, telegramTexts, type LogCapture, type SecretHit, type SigningRecorder } from '../../security/secret-scan.js';

export interface ChaosStackOptions {
  /** Telegram user ids on the allow-list. */
  allowedUsers: number[];
  redisUrl?: string;
  prefix?: string;
  sim?: Omit<TestSimulatorOptions, 'feed' | 'logger'>;
  /** Run an order worker in this process (options override the test defaults). Default false. */
  orderWorker?: boolean | Partial<OrderWorkerOptions>;
  /** Run the user data stream service (fills after placement → alerts). Default false. */
  userStream?: boolean;
  /** Run an alerts worker in this process. Default true. */
  alertsWorker?: boolean | Partial<CreateAlertsApiOptions>;
  /** REST client time-out. Default 2 000 ms. */
  restTimeoutMs?: number;
  /** Order job attempts. Default 5. */
  attempts?: number;
  confirmTtlS?: number;
}

export interface Card {
  messageId: number;
  chatId: number;
  intentId: string;
  confirmData: string;
}

export interface ChaosStack {
  sim: TestSimulator;
  telegram: FakeBotApi;
  bot: ReturnType<typeof createBot>;
  exchange: RestClient;
  exchangeInfo: ExchangeInfoCache;
  trading: TradingServiceHandle;
  producer: Redis;
  workerConnection: Redis;
  prefix: string;
  ordersQueue: OrdersQueue;
  alertsQueue: AlertsQueue;
  records: OrderRecords;
  capture: LogCapture;
  signing: SigningRecorder;
  orderWorker: OrderWorker | undefined;
  alertsWorker: AlertsWorker | undefined;
  userStream: UserStreamService | undefined;
  send(from: UpdateUser, text: string, chatId?: number): Promise<void>;
  /** A button press; resolves with the answer the presser saw (the toast or alert text). */
  press(from: UpdateUser, messageId: number, data: string, chatId?: number): Promise<string | undefined>;
  /** Sends the order command and returns its card, or the reply text when no card came. */
  orderCard(from: UpdateUser, command: string, chatId?: number): Promise<Card | string>;
  /** Exchange orders carrying this client order id. */
  ordersOf(clientOrderId: string): Order[];
  /** The card's current text in the fake Telegram. */
  cardText(card: Card): string;
  /** Secrets found in this process's logs, the extra texts given, and every Telegram payload. */
  secretHits(extra?: Array<{ where: string; texts: readonly string[] }>): SecretHit[];
  close(): Promise<void>;
}

export const user = (id: number): UpdateUser => ({ id, first_name: `Trader${id}`, username: `trader${id}` });

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const capture = createLogCapture();
  const logger = capture.logger;
  const sim = await startTestSimulator({
    balances: { USDT: '10000000', BTC: '1000', ETH: '10000' },
    prices: { BTCUSDT: '65000', ETHUSDT: '3500' },
    ...options.sim,
  });
  const telegram = await startFakeBotApi();
  const signing = recordSignatures(sim.signer);
  const components = startTestStack({
    exchange: { ...endpointsOf(sim), signer: signing.signer },
    logger,
    prefix: options.prefix ?? uniquePrefix('chaos'),
    allowedUsers: options.allowedUsers,
    telegram,
    redisUrl: options.redisUrl,
    env: { BINANCE_TIMEOUT_MS: String(options.restTimeoutMs ?? 2_000), CONFIRM_TTL_S: String(options.confirmTtlS ?? 300) },
    queues: { orders: { attempts: options.attempts ?? 5, backoffMs: 200 }, alerts: { backoffMs: 200 } },
  });
  const { stack, config } = components;
  const locks = { lockDurationMs: 3_000, stalledIntervalMs: 1_000 };

  let orderWorker: OrderWorker | undefined;
  if (options.orderWorker) {
    const timings = testWorkerTimings(config, locks);
    orderWorker = buildOrderWorker(components, {
      ...timings,
      reconcile: { ...timings.reconcile, maxDelayMs: 250 },
      ...(typeof options.orderWorker === 'object' ? options.orderWorker : {}),
    });
  }
  let alertsWorker: AlertsWorker | undefined;
  if (options.alertsWorker !== false) {
    const api = createAlertsApi({ token: telegram.token, apiRoot: telegram.apiRoot, ...(typeof options.alertsWorker === 'object' ? options.alertsWorker : {}) });
    alertsWorker = buildAlertsWorker(components, api, locks);
  }

  let userStream: UserStreamService | undefined;
  if (options.userStream) {
    userStream = buildUserStreamService(components, options.allowedUsers, { lease: { ttlMs: 3_000, renewEveryMs: 1_000, pollMs: 500 } });
    userStream?.start();
  }

  const bot = createBot({
    ...botDepsOf(components),
    token: telegram.token,
    apiRoot: telegram.apiRoot,
    botInfo: FAKE_BOT_USER as UserFromGetMe,
    allowedUsers: options.allowedUsers,
  });
  const { producer, workerConnection, prefix, ordersQueue, alertsQueue, records, service: trading } = stack;
  const { client: exchange, exchangeInfo } = components.exchange;

  const shown = (chatId: number, messageId: number) => telegram.message(chatId, messageId);
  const send = async (from: UpdateUser, text: string, chatId?: number) => {
    await bot.handleUpdate(messageUpdate({ from, text, ...(chatId !== undefined ? { chatId } : {}) }) as never);
  };

  return {
    sim,
    telegram,
    bot,
    exchange,
    exchangeInfo,
    trading,
    producer,
    workerConnection,
    prefix,
    ordersQueue,
    alertsQueue,
    records,
    capture,
    signing,
    orderWorker,
    alertsWorker,
    userStream,
    send,
    async press(from, messageId, data, chatId) {
      const chat = chatId ?? from.id;
      const message = shown(chat, messageId);
      const update = callbackUpdate({
        from,
        messageId,
        data,
        chatId: chat,
        ...(message?.text !== undefined ? { messageText: message.text } : {}),
        ...(message?.reply_markup ? { replyMarkup: message.reply_markup } : {}),
      });
      await bot.handleUpdate(update as never);
      const id = (update.callback_query as { id: string }).id;
      const answer = telegram.calls('answerCallbackQuery').find((c) => c.payload.callback_query_id === id);
      return typeof answer?.payload.text === 'string' ? answer.payload.text : undefined;
    },
    async orderCard(from, command, chatId) {
      const chat = chatId ?? from.id;
      const before = telegram.messages(chat).length;
      await send(from, command, chat);
      const replies = telegram.messages(chat).slice(before);
      const card = replies.find((m) => confirmDataOf(m) !== undefined);
      if (!card) return replies.map((m) => m.text ?? '').join('\n') || '(no reply)';
      const confirmData = confirmDataOf(card)!;
      return { messageId: card.message_id, chatId: chat, intentId: confirmData.slice(3), confirmData };
    },
    ordersOf: (clientOrderId) => sim.control.orders().filter((o) => o.clientOrderId === clientOrderId),
    cardText: (card) => shown(card.chatId, card.messageId)?.text ?? '',
    secretHits(extra = []) {
      return findSecrets(
        [{ where: 'logs', texts: capture.lines() }, { where: 'telegram', texts: telegramTexts(telegram) }, ...extra],
        { apiKey: sim.apiKey, ...(sim.apiSecret !== undefined ? { apiSecret: sim.apiSecret } : {}), botToken: telegram.token, signatures: signing.signatures() },
      );
    },
    async close() {
      await userStream?.close().catch(() => undefined);
      await orderWorker?.close().catch(() => undefined);
      await alertsWorker?.close().catch(() => undefined);
      await components.close();
      await sim.close();
      await telegram.close();
    },
  };
}

/** The Confirm button's data on a card message. */
export function confirmDataOf(message: StoredMessage): string | undefined {
  const rows = (message.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? [];
  return rows.flat().find((b) => b.callback_data?.startsWith('oc:'))?.callback_data;
}

/** A card's final state as the trader reads it; undefined while it is still pending or queued. */
export function finalStateOf(text: string): 'filled' | 'placed' | 'failed' | 'uncertain' | undefined {
  if (/✅ Filled|◐ Partially filled/.test(text)) return 'filled';
  if (/✅ Placed/.test(text)) return 'placed';
  if (/❌ Not placed/.test(text)) return 'failed';
  if (/⚠️ Not confirmed/.test(text)) return 'uncertain';
  return undefined;
}
