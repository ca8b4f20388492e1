/** The soak's verdict over recorded runs: a healthy one, and one like the gate that halts for good. */
import { describe, expect, it } from 'vitest';
import type { SoakRecording, SoakSample } from '../../../src/demo/soak/recorder.js';
import { judgeSoak } from '../../../src/demo/soak/verdict.js';
import { SOAK_DEFAULTS } from '../../../src/demo/soak/run-soak.js';

const MB = 1024 * 1024;
const start = 1_700_000_000_000;
const minutes = 5;
const end = start + minutes * 60_000;

/** A sample every 5 s; `heapAt` gives the heap in MB at a time. */
function samples(heapAt: (ms: number) => number, gate: SoakSample['gate'] = 'active'): SoakSample[] {
  return Array.from({ length: (minutes * 60_000) / 5_000 + 1 }, (_, i) => {
    const at = start + i * 5_000;
    return { at, heapUsed: heapAt(at - start) * MB, rss: 150 * MB, loopDelayP99Ms: 12, loopDelayMaxMs: 30, gate, drift: 0 };
  });
}

function healthy(): SoakRecording {
  return {
    startedAt: start,
    endedAt: end,
    gateInitial: 'active',
    gateChanges: [
      { at: start + 60_000, to: 'reducing', reason: 'breaker:binance:all: breaker binance:all is open' },
      { at: start + 75_000, to: 'active', reason: 'breaker binance:all closed' },
    ],
    faults: [{ name: 'maintenance', from: start + 58_000, to: start + 68_000 }],
    // A sawtooth of +-2 MB around a flat 60 MB.
    samples: samples((ms) => 60 + (Math.floor(ms / 5_000) % 2 === 0 ? 2 : -2)),
    rules: [{ name: 'BreakerOpen', evaluations: 60, withoutData: 0, lastEvaluatedAt: end - 1_000 }],
    evaluationFailures: [],
    driftSeen: [],
    apiPolls: { ok: 120, failed: 0 },
    orders: Array.from({ length: minutes * 60 }, (_, i) => ({ clientOrderId: `c-${i}`, status: 'FILLED', time: start + i * 1_000, updateTime: start + i * 1_000 })),
    gcForced: true,
  };
}

describe('judgeSoak', () => {
  it('a healthy run holds every invariant', () => {
    const verdict = judgeSoak(healthy(), SOAK_DEFAULTS);
    expect(verdict.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.invariants.find((i) => i.name === 'gate back to active after each fault')).toMatchObject({
      measured: 'longest not active 15000 ms (halted 0 ms)',
      limit: '40000 ms (longest fault 10000 + recovery 30000)',
    });
    expect(verdict.figures).toMatchObject({ ordersOnExchange: 300, ordersPerMinute: 60, faultsInjected: 1 });
  });

  it('a gate halted for good fails, and so do the silent minutes after it', () => {
    const rec = healthy();
    rec.gateChanges.push({ at: start + 120_000, to: 'halted', reason: 'unknown-orders: 5 orders of unknown status within 600000 ms' });
    rec.orders = rec.orders.filter((o) => o.time < start + 120_000);
    const verdict = judgeSoak(rec, SOAK_DEFAULTS);
    expect(verdict.ok).toBe(false);
    const gate = verdict.invariants.find((i) => i.name === 'gate back to active after each fault')!;
    expect(gate).toMatchObject({ ok: false, measured: 'longest not active 180000 ms (halted 180000 ms)' });
    expect(gate.details).toEqual(['not active from +120000 ms to +300000 ms; first reason: unknown-orders: 5 orders of unknown status within 600000 ms']);
    expect(verdict.invariants.find((i) => i.name === 'new orders reach the exchange every minute')).toMatchObject({ ok: false, measured: '3 of 4 minutes silent' });
  });

  it('a heap growing 1 MB a minute fails the flat-heap invariant (60 MB/h) on a long run', () => {
    const rec = healthy();
    rec.samples = samples((ms) => 60 + ms / 60_000);
    // 4.5 minutes judged (5 minus the 30 s warm-up): the limit is 32 + 16 MB over 4.5 min = 245.3 MB/h.
    const short = judgeSoak(rec, SOAK_DEFAULTS).invariants.find((i) => i.name === 'heap used flat')!;
    expect(short).toMatchObject({ ok: true, measured: '60.0 MB/h', limit: '<= 245.3 MB/h (32 + 16 over 4.5 min)' });
    // The same slope judged over an hour (as if recorded for 60.5 minutes) is a leak.
    const long = judgeSoak({ ...rec, endedAt: start + 60.5 * 60_000 }, SOAK_DEFAULTS).invariants.find((i) => i.name === 'heap used flat')!;
    expect(long).toMatchObject({ ok: false, measured: '60.0 MB/h', limit: '<= 48.0 MB/h (32 + 16 over 60.0 min)' });
  });

  it('a duplicate order, drift and a rule without data each fail their invariant', () => {
    const rec = healthy();
    rec.orders.push({ ...rec.orders[0]! });
    rec.driftSeen = [{ clientOrderId: 'c-7', journal: 'OPEN', exchange: 'FILLED', ageMs: 12_000 }];
    rec.rules.push({ name: 'OrdersUnknown', evaluations: 60, withoutData: 45, lastEvaluatedAt: end - 1_000 });
    const failed = judgeSoak(rec, SOAK_DEFAULTS).invariants.filter((i) => !i.ok);
    expect(failed.map((i) => [i.name, i.details])).toEqual([
      ['one order per client order id', ['c-0']],
      ['journal equals exchange', ['c-7: journal OPEN, exchange FILLED, for 12000 ms outside faults']],
      ['every alert rule evaluates', ['OrdersUnknown: 45 of 60 evaluations found no series']],
    ]);
  });

  it('too few samples to measure growth is a failure, not a pass', () => {
    const rec = healthy();
    rec.samples = rec.samples.slice(0, 3);
    expect(judgeSoak(rec, SOAK_DEFAULTS).invariants.find((i) => i.name === 'RSS flat')).toMatchObject({ ok: false, details: ['too few samples after the warm-up'] });
  });
});
