import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetControl } from '../../../src/fleet/index.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { buildApp } from '../../../src/server/app.js';
import { tradingGate } from '../../../src/trading/gate.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('fleet routes without a fleet', () => {
  it('answer 404 saying the fleet is not configured', async () => {
    f = await fixture();
    for (const [method, url] of [
      ['GET', '/api/instances'],
      ['GET', '/api/instances/a'],
      ['GET', '/api/fleet'],
      ['POST', '/api/fleet/halt'],
      ['POST', '/api/fleet/instances/a/command'],
    ] as const) {
      const res = await f!.app.inject({ method, url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().detail).toBe('the fleet is not configured on this server');
    }
  });
});

describe('fleet routes when the fleet\'s Redis does not answer', () => {
  it('answer 503 saying what did not go out; the server\'s own gate still halts', async () => {
    // Nothing listens on port 1, and the client fails at once instead of queueing.
    const redis = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const gate = tradingGate();
    const app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), gate, fleet: fleetControl({ redis }) }, { bindTimeline: false });
    try {
      const halt = await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'venue down' } });
      expect(halt.statusCode).toBe(503);
      expect(halt.json().detail).toMatch(/^this server's gate is halted, the fleet's instances were not told: the fleet's Redis did not answer \(/);
      expect(gate.mode).toBe('halted');
      const fleetHalt = await app.inject({ method: 'POST', url: '/api/fleet/halt', payload: { reason: 'venue down' } });
      expect(fleetHalt.statusCode).toBe(503);
      expect(fleetHalt.json().detail).toMatch(/^the fleet was not halted: /);
      const command = await app.inject({ method: 'POST', url: '/api/fleet/instances/a/command', payload: { command: { type: 'resume' } } });
      expect(command.statusCode).toBe(503);
      expect(command.json().detail).toMatch(/^the command was not sent: /);
    } finally {
      await app.close();
      redis.disconnect();
    }
  });
});
