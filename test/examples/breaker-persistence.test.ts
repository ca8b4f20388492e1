import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from 'bulwark';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../examples/breaker-persistence.js';
import { drive } from './drive.js';

describe('examples/breaker-persistence', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-breakers-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an open breaker saved before a restart is still open after it, then closes after its open time', async () => {
    const clock = new ManualClock();
    const file = join(dir, 'breakers.json');
    const result = await drive(clock, main({ file, clock, log: () => {} }));

    expect(result.savedStates).toEqual({ binance: 'open', kraken: 'closed', coinbase: 'closed' });
    expect(result.restoredStates).toEqual(result.savedStates);
    // Refused at once, with the time left open, and the exchange was not called.
    expect(result.refusedFor).toBe(2_000);
    expect(result.exchangeCallsWhileOpen).toBe(0);
    expect(result.finalState).toBe('closed');
    // The file holds one snapshot per exchange.
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(saved).sort()).toEqual(['binance', 'coinbase', 'kraken']);
  });
});
