/**
 * What each toxic does to one direction of one connection. Bytes are not streamed through a chain
 * of pipes (as toxiproxy's goroutines do) but planned: every chunk read becomes a list of
 * scheduled pieces `{ at, data }` (or a closing step `{ at, end }`), each toxic in turn rewrites
 * the list (later `at`, cut pieces, dropped data, an added close), and the link sends the pieces in
 * order when their time comes (link.ts). Planning keeps the effects pure and timed by the injected
 * clock; the link keeps memory bounded by pausing the socket it reads.
 */
import { type CancelTimer, type Clock, setTimerOn } from '../../core/clock.js';
import type { Toxic } from './toxic.js';

/** How a connection ends: a half-close passed on (`end`), both sides closed, or both reset (RST). */
export type Ending = 'end' | 'close' | 'reset';

/** One step of a link's plan: bytes to write, or an ending, at a time of the clock. */
export interface Scheduled {
  at: number;
  data?: Buffer;
  end?: Ending;
  /** Why the connection ends, kebab-case (`limit-data`, `reset-peer`); the peer's own end has none. */
  reason?: string;
}

/** What an effect may do besides rewriting the plan. */
export interface EffectContext {
  clock: Clock;
  random: () => number;
  /** Ends the whole connection now (both sides closed gracefully). */
  close(reason: string): void;
}

/** A toxic applied to one direction of one connection. */
export interface ToxicEffect {
  /** Rewrites the plan for a chunk read at `now`. */
  data(plan: Scheduled[], now: number): Scheduled[];
  /** Rewrites the plan for the peer's end of stream read at `now`. */
  end?(plan: Scheduled[], now: number): Scheduled[];
  /** The toxic was removed: cancel timers; true when the connection can no longer be trusted and must close. */
  stop(): boolean;
}

const bytesOf = (plan: readonly Scheduled[]): number => plan.reduce((n, s) => n + (s.data?.length ?? 0), 0);

function latency(toxic: Extract<Toxic, { type: 'latency' }>, ctx: EffectContext): ToxicEffect {
  const { latencyMs, jitterMs } = toxic.attributes;
  const delay = (): number => (jitterMs > 0 ? Math.max(0, Math.round(latencyMs + (ctx.random() * 2 - 1) * jitterMs)) : latencyMs);
  return {
    data: (plan) => plan.map((s) => ({ ...s, at: s.at + delay() })),
    stop: () => false,
  };
}

function bandwidth(toxic: Extract<Toxic, { type: 'bandwidth' }>): ToxicEffect {
  const rate = toxic.attributes.kilobytesPerSecond * 1024; // bytes per second
  // Large chunks leave in slices of a tenth of a second's worth, so the flow is even, not in bursts.
  const slice = Math.max(1, Math.floor(rate / 10));
  let freeAt = -Infinity;
  return {
    data(plan) {
      if (rate <= 0) return plan;
      const out: Scheduled[] = [];
      for (const step of plan) {
        if (!step.data) {
          out.push({ ...step, at: Math.max(step.at, freeAt) });
          continue;
        }
        for (let offset = 0; offset < step.data.length; offset += slice) {
          const piece = step.data.subarray(offset, offset + slice);
          freeAt = Math.max(step.at, freeAt) + (piece.length * 1000) / rate;
          out.push({ at: Math.ceil(freeAt), data: piece });
        }
      }
      return out;
    },
    end: (plan) => plan.map((s) => ({ ...s, at: Math.max(s.at, Math.ceil(freeAt)) })),
    stop: () => false,
  };
}

function slowClose(toxic: Extract<Toxic, { type: 'slowClose' }>): ToxicEffect {
  return {
    data: (plan) => plan,
    end: (plan) => plan.map((s) => (s.end ? { ...s, at: s.at + toxic.attributes.delayMs } : s)),
    stop: () => false,
  };
}

function timeout(toxic: Extract<Toxic, { type: 'timeout' }>, ctx: EffectContext): ToxicEffect {
  const { timeoutMs } = toxic.attributes;
  let swallowed = false;
  let cancel: CancelTimer | undefined;
  // As toxiproxy's: the wait starts now and again with every chunk swallowed.
  const arm = (): void => {
    cancel?.();
    if (timeoutMs > 0) cancel = setTimerOn(ctx.clock, timeoutMs, () => ctx.close('timeout'));
  };
  arm();
  return {
    data(plan) {
      if (bytesOf(plan) > 0) swallowed = true;
      arm();
      return plan.filter((s) => s.end !== undefined);
    },
    stop() {
      cancel?.();
      // Bytes were dropped: what follows would be read out of place, so the connection goes (toxiproxy closes it too).
      return swallowed;
    },
  };
}

function resetPeer(toxic: Extract<Toxic, { type: 'resetPeer' }>): ToxicEffect {
  let planned = false;
  return {
    data(plan, now) {
      if (planned) return [];
      planned = true;
      return [{ at: now + toxic.attributes.delayMs, end: 'reset', reason: 'reset-peer' }];
    },
    stop: () => false,
  };
}

function slicer(toxic: Extract<Toxic, { type: 'slicer' }>, ctx: EffectContext): ToxicEffect {
  const { averageSize, sizeVariation, delayMs } = toxic.attributes;
  const size = (): number => (sizeVariation > 0 ? averageSize + Math.round((ctx.random() * 2 - 1) * sizeVariation) : averageSize);
  return {
    data(plan) {
      const out: Scheduled[] = [];
      for (const step of plan) {
        if (!step.data) {
          out.push(step);
          continue;
        }
        let at = step.at;
        for (let offset = 0; offset < step.data.length; ) {
          const end = Math.min(step.data.length, offset + Math.max(1, size()));
          out.push({ at, data: step.data.subarray(offset, end) });
          offset = end;
          at += delayMs;
        }
      }
      return out;
    },
    stop: () => false,
  };
}

function limitData(toxic: Extract<Toxic, { type: 'limitData' }>): ToxicEffect {
  let remaining = toxic.attributes.bytes;
  let closed = false;
  return {
    data(plan) {
      if (closed) return [];
      const out: Scheduled[] = [];
      for (const step of plan) {
        if (!step.data) {
          out.push(step);
          continue;
        }
        const piece = step.data.subarray(0, remaining);
        remaining -= piece.length;
        if (piece.length > 0) out.push({ at: step.at, data: piece });
        if (remaining <= 0) {
          closed = true;
          out.push({ at: step.at, end: 'close', reason: 'limit-data' });
          break;
        }
      }
      return out;
    },
    stop: () => false,
  };
}

/** The effect of `toxic` on one direction of one connection, starting now. */
export function toxicEffect(toxic: Toxic, ctx: EffectContext): ToxicEffect {
  switch (toxic.type) {
    case 'latency':
      return latency(toxic, ctx);
    case 'bandwidth':
      return bandwidth(toxic);
    case 'slowClose':
      return slowClose(toxic);
    case 'timeout':
      return timeout(toxic, ctx);
    case 'resetPeer':
      return resetPeer(toxic);
    case 'slicer':
      return slicer(toxic, ctx);
    case 'limitData':
      return limitData(toxic);
  }
}
