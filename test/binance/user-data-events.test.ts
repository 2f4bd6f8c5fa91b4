import { describe, expect, it } from 'vitest';
import { orderClientId, parseUserDataFrame, type ExecutionReport } from '../../src/binance/user-data-events.js';
import { fixture } from '../support/fixtures.js';

interface RealCaptures {
  sessions: Array<{ label: string; frames: unknown[] }>;
}
interface OfficialExamples {
  examples: Record<string, unknown>;
}
interface Templates {
  templates: Array<{ x: string; X: string; frame: unknown }>;
}

const real = fixture<RealCaptures>('user_data/binance_user_data_events_real.json');
const official = fixture<OfficialExamples>('user_data/binance_user_data_events_official_doc_examples.json');
const templates = fixture<Templates>('user_data/binance_user_data_events_templates_nautilus.json');

const typeOf = (frame: unknown): string => {
  const f = frame as { e?: string; data?: { e?: string }; event?: { e?: string } };
  return f.e ?? f.data?.e ?? f.event?.e ?? '?';
};

describe('user data events: the real captures', () => {
  const frames = real.sessions.flatMap((s) => s.frames.map((frame) => ({ session: s.label, frame })));

  it('parses every captured frame, raw and combined-stream, except the retired outboundAccountInfo', () => {
    expect(frames.length).toBeGreaterThanOrEqual(16);
    const envelopes = new Set(frames.map(({ frame }) => ('stream' in (frame as object) ? 'combined' : 'raw')));
    expect(envelopes).toEqual(new Set(['combined', 'raw']));
    for (const { session, frame } of frames) {
      const parsed = parseUserDataFrame(frame);
      if (typeOf(frame) === 'outboundAccountInfo') {
        expect(parsed, session).toEqual({ kind: 'ignored', eventType: 'outboundAccountInfo', reason: 'retired' });
      } else {
        expect(parsed.kind, `${session}: ${JSON.stringify(parsed)}`).toBe('event');
        if (parsed.kind === 'event') expect(parsed.event.e).toBe(typeOf(frame));
      }
    }
    expect(frames.filter(({ frame }) => typeOf(frame) === 'outboundAccountInfo')).toHaveLength(2);
  });

  it('keeps the numbers of a real MARKET fill as exact strings (average price = Z / z)', () => {
    const fill = frames
      .map(({ frame }) => parseUserDataFrame(frame))
      .find((p) => p.kind === 'event' && p.event.e === 'executionReport' && p.event.x === 'TRADE' && p.event.s === 'EOSUSDT');
    expect(fill?.kind).toBe('event');
    const report = (fill as { event: ExecutionReport }).event;
    expect(report.X).toBe('FILLED');
    expect(report.z).toBe(report.q);
    expect(typeof report.Z).toBe('string');
    expect(report.I).toBeGreaterThan(0);
  });

  it('names the cancelled order by its original client id (C), not the cancel request id (c)', () => {
    const cancel = frames
      .map(({ frame }) => parseUserDataFrame(frame))
      .find((p) => p.kind === 'event' && p.event.e === 'executionReport' && p.event.x === 'CANCELED');
    const report = (cancel as { event: ExecutionReport }).event;
    expect(report.C).toBe('daa3Lntyw5phO7yGkmkUzn');
    expect(orderClientId(report)).toBe('daa3Lntyw5phO7yGkmkUzn');
  });
});

describe('user data events: the WebSocket API envelope {subscriptionId, event}', () => {
  it('parses every official example and keeps the subscription id', () => {
    const names = Object.keys(official.examples);
    expect(names).toEqual(
      expect.arrayContaining(['outboundAccountPosition', 'balanceUpdate', 'executionReport', 'listStatus', 'eventStreamTerminated', 'externalLockUpdate']),
    );
    for (const name of names) {
      const parsed = parseUserDataFrame(official.examples[name]);
      expect(parsed, name).toMatchObject({ kind: 'event', subscriptionId: 0, event: { e: name } });
    }
  });

  it('recognises serverShutdown, which comes without a subscription id (web-socket-api.md)', () => {
    expect(parseUserDataFrame({ event: { e: 'serverShutdown', E: 1770123456789 } })).toEqual({ kind: 'server-shutdown', at: 1770123456789 });
  });

  it('reports an unknown event type as ignored rather than failing', () => {
    expect(parseUserDataFrame({ subscriptionId: 3, event: { e: 'somethingNew', E: 1 } })).toEqual({ kind: 'ignored', eventType: 'somethingNew', reason: 'unknown' });
  });

  it('refuses a known event with a broken field instead of passing it on', () => {
    const example = official.examples.executionReport as { subscriptionId: number; event: Record<string, unknown> };
    const broken = { ...example, event: { ...example.event, z: '1e-8' } };
    expect(parseUserDataFrame(broken)).toMatchObject({ kind: 'invalid', eventType: 'executionReport' });
    const missing = { ...example, event: { ...example.event, I: undefined } };
    expect(parseUserDataFrame(missing)).toMatchObject({ kind: 'invalid', eventType: 'executionReport' });
    expect(parseUserDataFrame('not json')).toMatchObject({ kind: 'invalid' });
    expect(parseUserDataFrame({ id: 1, status: 200, result: {} })).toMatchObject({ kind: 'invalid' });
  });
});

describe('user data events: the hand-made state templates', () => {
  it('parses every template shape (partial fills, expiries, stop-limits, rejections)', () => {
    for (const t of templates.templates) {
      const parsed = parseUserDataFrame(t.frame);
      expect(parsed, `${t.x}/${t.X}`).toMatchObject({ kind: 'event', event: { e: 'executionReport', x: t.x, X: t.X } });
    }
    const types = new Set(templates.templates.map((t) => t.X));
    expect([...types]).toEqual(expect.arrayContaining(['PARTIALLY_FILLED', 'EXPIRED', 'REJECTED', 'FILLED']));
  });
});
