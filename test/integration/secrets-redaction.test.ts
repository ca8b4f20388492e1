/**
 * The secrets test of the security suite: a service started from a configuration whose exchange
 * credentials are `secret:NAME` references into the encrypted store (SQLite), orders placed on the
 * simulated exchange, a failure dead-lettered carrying the credentials, a backup taken, /metrics
 * and every GET route of the OpenAPI document read, the live events stream read, the log written
 * to a file; then every output, and every byte under the data directory, is searched for the
 * decrypted values: absent. A control search for the values in what the test itself holds shows
 * the search can find them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ccxt from 'ccxt';
import { Command } from 'commander';
import { destination } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecrets } from '../../src/cli/commands/secrets.js';
import { type StartedService, runStart } from '../../src/cli/commands/start-run.js';
import { createLogger } from '../../src/config/logger.js';
import { REDACTED, maskRegisteredSecrets } from '../../src/core/secrets.js';
import { deadLetters } from '../../src/dlq/dead-letters.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';
import { orderIntents } from '../../src/storage/repos/order-intents.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { storageJournal } from '../../src/trading/orders/storage-journal.js';
import { pointAtSimulator } from '../../src/trading/sim/connect.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';

// High-entropy values: a hit can only be a leak.
const API_KEY = `AK${randomBytes(12).toString('hex')}`;
const API_SECRET = `SK${randomBytes(16).toString('hex')}`;
const VALUES = [API_KEY, API_SECRET];

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The values found in `text` (raw, or base64 as a careless encoder would write them). */
function leaks(text: string | Buffer): string[] {
  const haystack = typeof text === 'string' ? text : text.toString('latin1');
  return VALUES.filter((v) => haystack.includes(v) || haystack.includes(Buffer.from(v).toString('base64')));
}

describe('a secret value is absent from every output after a full run', () => {
  let dir: string;
  let dataDir: string;
  let logFile: string;
  let sim: SimServer;
  let service: StartedService | undefined;
  let bot: SqliteStorage | undefined;
  const outputs = new Map<string, string>();

  async function cli(name: string, args: string[], stdin: string[] = []): Promise<void> {
    const out: string[] = [];
    const program = new Command('bulwark').exitOverride();
    registerSecrets(program, { stdin: Readable.from(stdin), stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) }, env: {} });
    await program.parseAsync(['node', 'bulwark', 'secrets', ...args]);
    outputs.set(name, out.join(''));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-run-'));
    dataDir = join(dir, 'data');
    logFile = join(dir, 'bulwark.log');
    sim = await startSimServer({ seed: 11 });
    const config = join(dir, 'bulwark.yaml');
    await writeFile(
      config,
      [
        `dataDir: ${JSON.stringify(dataDir)}`,
        'server: { host: 127.0.0.1, port: 0 }',
        'log: { level: debug }',
        'exchange:',
        '  id: binance',
        `  url: ${JSON.stringify(sim.url)}`,
        '  apiKey: secret:sim-api-key',
        '  secret: secret:sim-api-secret',
        '  symbols: [BTC/USDT]',
        '  cancelOpenOrdersOnHalt: true',
        'shutdown: { readyDelayMs: 0 }',
        '',
      ].join('\n'),
    );
    await cli('secrets set sim-api-key', ['set', 'sim-api-key', '--config', config], [`${API_KEY}\n`]);
    await cli('secrets set sim-api-secret', ['set', 'sim-api-secret', '--config', config], [API_SECRET]);
    await cli('secrets list', ['list', '--config', config]);
    await cli('secrets list --json', ['list', '--config', config, '--json']);
    const banner: string[] = [];
    const logger = createLogger({ level: 'debug', base: { service: 'bulwark-test' }, destination: destination({ dest: logFile, sync: true }) });
    service = await runStart({ config, out: (line) => banner.push(line), logger, exit: () => undefined });
    outputs.set('banner', banner.join('\n'));
  }, 60_000);

  afterAll(async () => {
    await bot?.close();
    await service?.close();
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the service decrypted the references at start (their values are registered) and reads the account with them', async () => {
    // Only the start's resolution registers them: this process never did.
    expect(VALUES.map((v) => maskRegisteredSecrets(v))).toEqual([REDACTED, REDACTED]);
    const res = await fetch(`${service!.url}/api/account`);
    const body = await res.text();
    outputs.set('GET /api/account (first)', body);
    expect(res.status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ exchange: 'binance', balances: { USDT: expect.objectContaining({ total: expect.any(Number) }) } });
  });

  it('orders are placed on the simulator by a bot in the process, and a failure carrying the credentials is dead-lettered', async () => {
    bot = await sqliteStorage({ path: join(dataDir, 'bulwark.db') });
    const client = pointAtSimulator(new ccxt.binance({ apiKey: API_KEY, secret: API_SECRET, enableRateLimit: false, options: { maxRetriesOnFailure: 0 } }), sim.url);
    const exchange = resilientExchange(client, { journal: storageJournal(orderIntents(bot)) });
    await exchange.loadMarkets();
    await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000, { intentId: 'secret-run-1' });
    await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.001, undefined, { intentId: 'secret-run-2' });
    await exchange.flushJournal();
    const failure = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 1e9, 10_000, { intentId: 'secret-run-3' }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    // A careless bot: its dead letter names the account's credentials in the error and the payload.
    await deadLetters(bot, { name: 'default' }).add({
      operation: 'createOrder',
      payload: { symbol: 'BTC/USDT', amount: 1e9, credentials: { apiKey: API_KEY, signedWith: API_SECRET } },
      error: new Error(`order refused for key ${API_KEY} (secret ${API_SECRET}): ${failure!.message}`),
    });
    const letters = await fetch(`${service!.url}/api/dead-letters`);
    const text = await letters.text();
    outputs.set('GET /api/dead-letters (after the failure)', text);
    expect(text).toContain('order refused for key [REDACTED]');
  });

  it('a backup is taken', async () => {
    const res = await fetch(`${service!.url}/api/backups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    outputs.set('POST /api/backups', await res.text());
    expect(res.status).toBe(201);
  });

  it('every GET route of the OpenAPI document, /metrics in both formats and the live events stream answer without the values', async () => {
    const base = service!.url;
    const spec = (await (await fetch(`${base}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const letters = (await (await fetch(`${base}/api/dead-letters`)).json()) as { items?: Array<{ id: string }> } | Array<{ id: string }>;
    const letterId = (Array.isArray(letters) ? letters : (letters.items ?? []))[0]?.id ?? 'none';
    const backups = (await (await fetch(`${base}/api/backups`)).json()) as Array<{ id: string }>;
    const ids: Record<string, string> = { id: letterId, name: 'binance:orders' };
    const gets = Object.entries(spec.paths).filter(([, methods]) => 'get' in methods).map(([path]) => path);
    expect(gets).toEqual(expect.arrayContaining(['/api/dead-letters', '/api/account', '/api/orders', '/metrics', '/api/backups', '/api/timeline']));
    for (const path of gets.filter((p) => p !== '/api/events')) {
      const url = path.replace(/\{(\w+)\}/g, (_, param: string) => encodeURIComponent(path.startsWith('/api/backups') ? (backups[0]?.id ?? 'none') : (ids[param] ?? 'x')));
      const res = await fetch(`${base}${url}`);
      outputs.set(`GET ${url}`, await res.text());
      expect(res.status, url).toBeLessThan(500);
    }
    outputs.set('GET /metrics (OpenMetrics)', await (await fetch(`${base}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text());
    outputs.set('GET /', await (await fetch(`${base}/`)).text());
    // The stream: its first snapshot and the timeline so far.
    const abort = new AbortController();
    const stream = await fetch(`${base}/api/events`, { signal: abort.signal });
    const reader = stream.body!.getReader();
    let events = '';
    while (!events.includes('event: snapshot')) events += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    outputs.set('GET /api/events', events);
  });

  it('after a stop, the log file, the banner, the CLI output, every answer and every file under the data directory hold neither value', async () => {
    await service!.close();
    service = undefined;
    await bot!.close();
    bot = undefined;
    const log = await readFile(logFile, 'utf8');
    outputs.set('log file', log);
    expect(log.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const [name, text] of outputs) if (leaks(text).length > 0) found.push(name);
    const files = await filesUnder(dataDir);
    expect(files.some((f) => f.includes('backups'))).toBe(true);
    expect(files.some((f) => f.endsWith('bulwark.db'))).toBe(true);
    for (const file of files) if ((await stat(file)).size > 0 && leaks(await readFile(file)).length > 0) found.push(file.slice(dir.length));
    expect(found).toEqual([]);
    // The control: the search finds the values where they are (what this test holds in clear).
    expect(leaks(`${API_KEY} ${API_SECRET}`)).toEqual(VALUES);
    expect(outputs.size).toBeGreaterThan(20);
  });
});
