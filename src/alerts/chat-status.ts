/**
 * Chats the bot can no longer write to. Telegram answers 403 once a user blocks the bot (or the
 * bot is removed from a group); sending again only earns more 403s and counts against the flood
 * limits, so the alerts worker marks the chat and skips it until the user talks to the bot again
 * (the bot calls `markChatActive` on any update from that chat).
 */
import type { Redis } from 'ioredis';

const key = (prefix: string, chatId: number) => `${prefix}:chat-inactive:${chatId}`;

export async function markChatInactive(redis: Redis, prefix: string, chatId: number, reason: string, at = Date.now()): Promise<void> {
  await redis.hset(key(prefix, chatId), 'reason', reason, 'at', String(at));
}

export async function markChatActive(redis: Redis, prefix: string, chatId: number): Promise<void> {
  await redis.del(key(prefix, chatId));
}

export async function isChatInactive(redis: Redis, prefix: string, chatId: number): Promise<boolean> {
  return (await redis.exists(key(prefix, chatId))) === 1;
}
