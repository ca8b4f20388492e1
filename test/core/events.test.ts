import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/core/events.js';

interface Events {
  tick: { n: number };
  other: string;
}

describe('Emitter', () => {
  it('delivers typed events to every listener in subscription order', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    emitter.on('tick', (e) => seen.push(`a${e.n}`));
    emitter.on('tick', (e) => seen.push(`b${e.n}`));
    emitter.emit('tick', { n: 1 });
    expect(seen).toEqual(['a1', 'b1']);
  });

  it('unsubscribe removes only that listener, and is idempotent', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const offA = emitter.on('other', (e) => seen.push(`a:${e}`));
    emitter.on('other', (e) => seen.push(`b:${e}`));
    offA();
    offA();
    emitter.emit('other', 'x');
    expect(seen).toEqual(['b:x']);
  });

  it('has() tells whether anyone listens', () => {
    const emitter = new Emitter<Events>();
    expect(emitter.has('tick')).toBe(false);
    const off = emitter.on('tick', () => undefined);
    expect(emitter.has('tick')).toBe(true);
    off();
    expect(emitter.has('tick')).toBe(false);
  });

  it('an unsubscribe during emit does not skip the remaining listeners of that emit', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const offB = emitter.on('tick', () => {
      seen.push('a');
      offC();
    });
    const offC = emitter.on('tick', () => seen.push('c'));
    emitter.emit('tick', { n: 0 });
    emitter.emit('tick', { n: 0 });
    expect(seen).toEqual(['a', 'c', 'a']);
    offB();
  });

  it('a throwing listener is reported as a warning and does not stop the others', () => {
    const emitter = new Emitter<Events>();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('boom');
    });
    emitter.on('tick', (e) => seen.push(e.n));
    emitter.emit('tick', { n: 7 });
    expect(seen).toEqual([7]);
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]?.[0])).toContain('boom');
    warn.mockRestore();
  });
});
