/**
 * A registered secret (a configuration secret, a decrypted `secret:NAME`) never reaches an output:
 * dead letters (error and payload), API answers (JSON, problem+json, /metrics, the live events'
 * timeline), the log, and the command line's error line. The full run over every output is
 * test/integration/secrets-redaction.test.ts.
 */
import { Writable } from 'node:stream';
import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { cliErrorLine } from '../../src/cli/errors.js';
import { createLogger } from '../../src/config/logger.js';
import { REDACTED, clearRegisteredSecrets, maskRegisteredSecrets, registerSecret } from '../../src/core/secrets.js';
import { deadLetters } from '../../src/dlq/dead-letters.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { storageMigrations } from '../../src/storage/migrations/schema.js';
import { fixture } from '../server/fixture.js';

const SECRET = 'sk-live-Zq8"w\\x41';
const API_KEY = 'ak-live-93jd72hs';

afterEach(() => clearRegisteredSecrets());

describe('registered secrets in every output', () => {
  it('maskRegisteredSecrets masks a value as written and as escaped in JSON, and leaves key=value data alone', () => {
    registerSecret(SECRET);
    expect(maskRegisteredSecrets(`raw ${SECRET} json ${JSON.stringify({ s: SECRET })}`)).toBe(`raw ${REDACTED} json {"s":"${REDACTED}"}`);
    expect(maskRegisteredSecrets('token=abc123 password: x')).toBe('token=abc123 password: x');
  });

  it('dead letters keep neither in their error nor in their payload, and the rest of the payload stays for replay', async () => {
    registerSecret(SECRET);
    registerSecret(API_KEY);
    const storage = await sqliteStorage({ path: ':memory:', migrations: storageMigrations, migrate: true });
    try {
      const queue = deadLetters(storage, { name: 'orders' });
      await queue.add({ operation: 'createOrder', payload: { symbol: 'BTC/USDT', headers: { 'X-MBX-APIKEY': API_KEY }, note: `signed with ${SECRET}` }, error: new Error(`401 for key ${API_KEY}: bad signature (secret ${SECRET})`) });
      const raw = JSON.stringify(await storage.all('SELECT * FROM dead_letters'));
      expect(raw).not.toContain(API_KEY);
      expect(raw).not.toContain('sk-live-Zq8');
      const [letter] = await queue.list();
      expect(letter!.payload).toEqual({ symbol: 'BTC/USDT', headers: { 'X-MBX-APIKEY': REDACTED }, note: `signed with ${REDACTED}` });
      expect(letter!.error).toBe(`Error: 401 for key ${REDACTED}: bad signature (secret ${REDACTED})`);
    } finally {
      await storage.close();
    }
  });

  it('API answers: JSON, problem+json from a failed route, /metrics labels and the timeline', async () => {
    registerSecret(SECRET);
    registerSecret(API_KEY);
    const f = await fixture();
    try {
      f.app.get('/test/leak', async () => ({ echoed: `key ${API_KEY}`, nested: { s: SECRET } }));
      f.app.get('/test/fail', async () => {
        throw new TypeError(`exchange refused key ${API_KEY}`);
      });
      new Gauge({ name: 'test_leak', help: 'a label holding a secret', labelNames: ['account'], registers: [f.metrics.registry] }).set({ account: API_KEY }, 1);
      f.events.record('operator', `account ${API_KEY}`, `login failed with ${SECRET}`, 'warning');
      const answers: string[] = [];
      for (const url of ['/test/leak', '/test/fail', '/api/timeline', '/api/overview', '/metrics']) answers.push((await f.app.inject({ method: 'GET', url })).body);
      const all = answers.join('\n');
      expect(answers[0]).toBe(JSON.stringify({ echoed: `key ${REDACTED}`, nested: { s: REDACTED } }));
      expect(answers[1]).toContain(`exchange refused key ${REDACTED}`);
      expect(answers[2]).toContain(`login failed with ${REDACTED}`);
      expect(answers[4]).toContain(`test_leak{account="${REDACTED}"} 1`);
      expect(all).not.toContain(API_KEY);
      expect(all).not.toContain('sk-live-Zq8');
    } finally {
      await f.close();
    }
  });

  it('the log masks a registered value in fields, messages and errors', () => {
    registerSecret(API_KEY);
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }) });
    logger.warn({ account: { key: API_KEY } }, `retrying with ${API_KEY}`);
    logger.error(new Error(`refused ${API_KEY}`), 'failed');
    expect(lines.join('')).not.toContain(API_KEY);
    expect(lines.join('')).toContain(REDACTED);
  });

  it("the command line's error line masks it", () => {
    registerSecret(API_KEY);
    expect(cliErrorLine('start', new Error(`exchange refused ${API_KEY}`))).toBe(`bulwark start: exchange refused ${REDACTED}`);
  });
});
