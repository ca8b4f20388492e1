import { describe, expect, it } from 'vitest';
import { SlotTable } from '../../src/limits/slots.js';

describe('SlotTable', () => {
  const idleWhenZero = (data: Float64Array, base: number): boolean => data[base] === 0;

  it('gives each key its own slot and finds it again', () => {
    const table = new SlotTable(2, idleWhenZero, undefined, 4);
    const a = table.get('a', 0);
    const b = table.get('b', 0);
    expect(a).not.toBe(b);
    expect(table.find('a')).toBe(a);
    expect(table.find('missing')).toBe(-1);
    expect(table.size).toBe(2);
  });

  it('reuses idle slots when full instead of growing', () => {
    const table = new SlotTable(1, idleWhenZero, undefined, 4);
    for (const key of ['a', 'b', 'c', 'd']) table.get(key, 0); // all stay 0: idle
    const before = table.data.length;
    table.get('e', 0);
    expect(table.data.length).toBe(before);
    expect(table.size).toBe(1);
  });

  it('grows, keeping every value, when the live keys fill it', () => {
    const table = new SlotTable(1, idleWhenZero, undefined, 2);
    // get() may replace `data` when it grows: read `data` after it.
    for (const [key, value] of [['a', 7], ['b', 8], ['c', 9]] as const) {
      const base = table.get(key, 0);
      table.data[base] = value;
    }
    expect(table.data.length).toBeGreaterThan(2);
    expect([table.data[table.find('a')], table.data[table.find('b')], table.data[table.find('c')]]).toEqual([7, 8, 9]);
  });

  it('starts small when each key is large', () => {
    const table = new SlotTable(6001, idleWhenZero);
    expect(table.data.length / 6001).toBe(4);
    expect(new SlotTable(1, idleWhenZero).data.length).toBe(64);
  });

  it('resets a reused slot to the idle state', () => {
    const table = new SlotTable(1, (data, base) => (data[base] as number) < 0, (data, base) => data.fill(5, base, base + 1), 1);
    const a = table.get('a', 0);
    expect(table.data[a]).toBe(5);
    table.data[a] = -1; // idle by this table's rule
    const b = table.get('b', 0);
    expect(table.data[b]).toBe(5);
  });
});
