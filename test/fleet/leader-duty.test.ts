/**
 * whileLeader(): a duty runs while the election says this process leads, one start or stop at a
 * time in the order announced; closing stops it; a failing start is reported and the binding goes on.
 */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src/core/events.js';
import { type ElectionLike, whileLeader } from '../../src/fleet/leader-duty.js';
import { deferred } from '../support/async.js';

class FakeElection implements ElectionLike {
  private readonly events = new Emitter<{ elected: { token: number }; deposed: { token: number; reason: string } }>();
  token: number | undefined;
  get isLeader(): boolean {
    return this.token !== undefined;
  }
  on(name: 'elected' | 'deposed', listener: (e: never) => void): () => void {
    return this.events.on(name, listener as never);
  }
  elect(token: number): void {
    this.token = token;
    this.events.emit('elected', { token });
  }
  depose(): void {
    const token = this.token!;
    this.token = undefined;
    this.events.emit('deposed', { token, reason: 'lost' });
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('whileLeader', () => {
  it('starts the duty with the token when elected, stops it when deposed, and again on the next election', async () => {
    const election = new FakeElection();
    const log: string[] = [];
    const binding = whileLeader(election, { name: 'd', start: (t) => void log.push(`start ${t}`), stop: () => void log.push('stop') });
    election.elect(1);
    await settle();
    expect(binding.active).toBe(true);
    election.depose();
    await settle();
    expect(binding.active).toBe(false);
    election.elect(2);
    await settle();
    expect(log).toEqual(['start 1', 'stop', 'start 2']);
  });

  it('takes the duty up at once when the election already leads', async () => {
    const election = new FakeElection();
    election.elect(7);
    const log: string[] = [];
    const binding = whileLeader(election, { name: 'd', start: (t) => void log.push(`start ${t}`), stop: () => void log.push('stop') });
    await settle();
    expect(log).toEqual(['start 7']);
    await binding.close();
    expect(log).toEqual(['start 7', 'stop']);
  });

  it('runs a stop announced during a slow start after it, never beside it', async () => {
    const election = new FakeElection();
    const starting = deferred();
    const log: string[] = [];
    whileLeader(election, {
      name: 'd',
      start: async () => {
        log.push('start begins');
        await starting.promise;
        log.push('start ends');
      },
      stop: () => void log.push('stop'),
    });
    election.elect(1);
    election.depose();
    await settle();
    expect(log).toEqual(['start begins']);
    starting.resolve();
    await settle();
    expect(log).toEqual(['start begins', 'start ends', 'stop']);
  });

  it('after close(), an election starts nothing; a start that throws is reported with its phase', async () => {
    const election = new FakeElection();
    const errors: string[] = [];
    let started = 0;
    const binding = whileLeader(
      election,
      {
        name: 'd',
        start: () => {
          started++;
          throw new Error('no');
        },
        stop: () => undefined,
      },
      (error, phase) => errors.push(`${phase}: ${(error as Error).message}`),
    );
    election.elect(1);
    await settle();
    expect(errors).toEqual(['start: no']);
    await binding.close();
    election.depose();
    election.elect(2);
    await settle();
    expect(started).toBe(1);
  });
});
