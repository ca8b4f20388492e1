/**
 * SIGTERM of `bulwark start` (demo mode, no ready delay) under keep-alive load: every request
 * either gets its answer or is refused a connection (the listener is closed: the client knows the
 * request never reached the server). No connection is reset, answers given after the stop began
 * carry `Connection: close`, and the process exits 0.
 */
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { tempDir } from '../storage/helpers.js';
import { killChildren, startChild } from '../support/start-child.js';

const temp = tempDir('bulwark-keepalive-');
afterAll(() => temp.remove());
afterEach(killChildren);

/** A ceiling for a loaded machine (child start-up and a few thousand requests), not a measured threshold. */
const generous = 90_000;
const clients = 32;

describe('SIGTERM under keep-alive load', () => {
  it(
    'answers every request it accepted, resets no connection, and exits 0',
    async () => {
      const { child, url, exited } = await startChild(join(temp.dir, 'data'));

      const agent = new Agent({ connections: clients, keepAliveTimeout: 60_000, pipelining: 1 });
      const random = seededRandom(7);
      const statuses = new Map<number, number>();
      const errors = new Map<string, number>();
      let answered = 0;
      let closeHeaders = 0;
      let signalled = false;
      let signalAt: (() => void) | undefined;
      const enough = new Promise<void>((resolve) => (signalAt = resolve));
      const loop = async (path: string): Promise<void> => {
        for (;;) {
          try {
            const res = await request(`${url}${path}`, { dispatcher: agent });
            await res.body.text();
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            if (signalled && res.headers.connection === 'close') closeHeaders++;
            if (++answered === 500) signalAt?.();
          } catch (error) {
            const code = (error as { code?: string }).code ?? String(error);
            errors.set(code, (errors.get(code) ?? 0) + 1);
            // Refused: the listener is closed, this client is done.
            if (code === 'ECONNREFUSED' || !signalled) return;
          }
          // Think time between requests, so some connections sit idle when the stop begins.
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 20)));
        }
      };
      const loops = Array.from({ length: clients }, (_, i) => loop(i % 2 === 0 ? '/livez' : '/api/overview'));
      await enough;
      signalled = true;
      child.kill('SIGTERM');
      const code = await exited;
      await Promise.all(loops);
      await agent.close();

      expect(Object.fromEntries(errors)).toEqual({ ECONNREFUSED: clients });
      expect([...statuses.keys()]).toEqual([200]);
      expect(closeHeaders).toBeGreaterThan(0);
      expect(code).toBe(0);
    },
    generous,
  );
});
