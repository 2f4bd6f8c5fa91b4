import { describe, expect, it } from 'vitest';
import { createLifecycle } from '../../src/app/lifecycle.js';
import { createLogger } from '../../src/logger.js';

describe('lifecycle', () => {
  it('closes in reverse order of registration, once, and survives a failing or stuck closer', async () => {
    const order: string[] = [];
    const lifecycle = createLifecycle(createLogger({ level: 'silent' }));
    lifecycle.onClose('redis', () => void order.push('redis'));
    lifecycle.onClose('stuck', () => new Promise(() => {}), 50);
    lifecycle.onClose('worker', async () => {
      order.push('worker');
      throw new Error('boom');
    });
    lifecycle.onClose('bot', () => void order.push('bot'));
    await Promise.all([lifecycle.close(), lifecycle.close()]);
    expect(order).toEqual(['bot', 'worker', 'redis']);
  });
});
