import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { freePort } from '../../support/ports.js';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStart } from '../../../src/cli/commands/start-run.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-start-cmd-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function configFile(): Promise<string> {
  const file = join(dir, 'bulwark.yaml');
  // No load balancer in a test: stop without the ready delay.
  await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nshutdown:\n  readyDelayMs: 0\n  drainTimeoutMs: 1000\n  hookTimeoutMs: 5000\n`);
  return file;
}

describe('runStart', () => {
  it('with a config: listens on the port asked, prints the banner, and a SIGTERM stop exits 0', async () => {
    const lines: string[] = [];
    const codes: number[] = [];
    const service = await runStart({ config: await configFile(), port: 0, out: (l) => lines.push(l), exit: (c) => codes.push(c) });
    expect(service.mode).toBe('config');
    expect(lines[0]).toMatch(/^Bulwark ops server \(config .*bulwark\.yaml\)$/);
    expect(lines.at(-1)).toBe(`listening on ${service.url} — Ctrl+C stops`);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    await service.shutdown.shutdown({ signal: 'SIGTERM' });
    expect(codes).toEqual([0]);
    expect(lines).toContain('stopped');
    await expect(fetch(`${service.url}/livez`)).rejects.toThrow();
  });

  it('a stop for another reason keeps its exit code', async () => {
    const codes: number[] = [];
    const service = await runStart({ config: await configFile(), port: 0, out: () => undefined, exit: (c) => codes.push(c) });
    await service.shutdown.shutdown({ code: 3 });
    expect(codes).toEqual([3]);
  });

  it('demo mode: --sim-port puts the simulated exchange on that port for another client', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const service = await runStart({ port: 0, simPort: String(port), dataDir: join(dir, 'demo'), faults: false, out: (l) => lines.push(l) });
    try {
      expect(lines).toContain(`  exchange   http://127.0.0.1:${port} (simulated Binance spot; faults at http://127.0.0.1:${port}/_sim/faults)`);
      expect(await (await fetch(`http://127.0.0.1:${port}/api/v3/ping`)).json()).toEqual({});
    } finally {
      await service.close();
    }
  });

  it('rejects a bad --sim-port by name', async () => {
    await expect(runStart({ port: 0, simPort: 'x', dataDir: join(dir, 'demo'), out: () => undefined })).rejects.toThrow('--sim-port must be an integer >= 0 and <= 65535, got x');
  });

  it('rejects a bad port by name', async () => {
    await expect(runStart({ config: await configFile(), port: '80a', out: () => undefined })).rejects.toThrow('--port must be an integer >= 0 and <= 65535, got 80a');
    await expect(runStart({ port: 70_000, out: () => undefined })).rejects.toThrow(/--port must be an integer/);
  });
});

describe('runStart: data folder and log', () => {
  it('holds its data folder while it runs (a second start refuses), logs with pino by default, and frees the folder at stop', async () => {
    const file = await configFile();
    const service = await runStart({ config: file, port: 0, out: () => undefined, exit: () => undefined });
    try {
      await expect(runStart({ config: file, port: 0, out: () => undefined })).rejects.toThrow(/^bulwark start: the data directory is in use by process \d+/);
      expect(service.app.log.level).toBe('info');
    } finally {
      await service.shutdown.shutdown({ signal: 'SIGTERM' });
    }
    const again = await runStart({ config: file, port: 0, out: () => undefined, exit: () => undefined, logger: false });
    await again.shutdown.shutdown({ signal: 'SIGTERM' });
  });
});

describe('runStart: the configuration is honoured, or refused', () => {
  it('listens on server.host from the file; --host wins over it', async () => {
    const file = join(dir, 'host.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nserver:\n  host: 127.0.0.2\nlog:\n  level: warn\nshutdown:\n  readyDelayMs: 0\n`);
    const fromFile = await runStart({ config: file, port: 0, out: () => undefined, exit: () => undefined });
    try {
      expect(fromFile.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
      expect(fromFile.app.log.level).toBe('warn');
      expect((await fetch(`${fromFile.url}/livez`)).status).toBe(200);
    } finally {
      await fromFile.close();
    }
    const byFlag = await runStart({ config: file, host: '127.0.0.1', port: 0, out: () => undefined, exit: () => undefined, logger: false });
    try {
      expect(byFlag.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await byFlag.close();
    }
  });

  it('refuses a non-loopback --host without authentication, in demo and config mode, before opening anything', async () => {
    await expect(runStart({ host: '0.0.0.0', port: 0, dataDir: join(dir, 'demo'), out: () => undefined })).rejects.toThrow(
      /^--host: refusing to listen on 0\.0\.0\.0: it is not a loopback address and no authentication is configured/,
    );
    await expect(runStart({ config: await configFile(), host: '10.1.2.3', port: 0, out: () => undefined })).rejects.toThrow(/--host: refusing to listen on 10\.1\.2\.3/);
  });

  it('with security.auth.enabled: true a configured service listens on any address', async () => {
    const file = join(dir, 'auth-on.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'auth-on'))}\nserver: { host: 0.0.0.0, port: 0 }\nsecurity: { auth: { enabled: true }, http: { allowedHosts: [ops.example] } }\n`);
    const lines: string[] = [];
    const service = await runStart({ config: file, port: 0, out: (line) => lines.push(line), exit: () => undefined, logger: false });
    try {
      expect(service.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      expect(lines).toContain('  authentication is on and no token exists yet: bulwark token create --role admin');
      expect((await service.app.inject({ url: '/api/gate', headers: { host: 'ops.example' } })).statusCode).toBe(401);
    } finally {
      await service.close();
    }
  });

  it('refuses demo options with a config instead of ignoring them', async () => {
    await expect(runStart({ config: await configFile(), dataDir: join(dir, 'x'), simPort: 0, port: 0, out: () => undefined })).rejects.toThrow(
      '--data-dir (set dataDir in the file), --sim-port: demo mode only, not with --config',
    );
    await expect(runStart({ config: await configFile(), faults: false, port: 0, out: () => undefined })).rejects.toThrow('--no-faults: demo mode only');
  });

  it('refuses a data directory that cannot be created, naming the key', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    const file = join(dir, 'blocked.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(blocker, 'data'))}\n`);
    await expect(runStart({ config: file, port: 0, out: () => undefined })).rejects.toThrow(`dataDir: the data directory ${join(blocker, 'data')} cannot be created or written (ENOTDIR)`);
  });

  it('with features.chaos, starts the fault proxies of chaos.proxies and serves them; without it, /api/chaos is off', async () => {
    const file = join(dir, 'chaos.yaml');
    const port = await freePort();
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nfeatures:\n  chaos: true\nchaos:\n  proxies:\n    - name: pg\n      listen: ':${port}'\n      upstream: 127.0.0.1:5432\nshutdown:\n  readyDelayMs: 0\n`);
    const service = await runStart({ config: file, port: 0, out: () => undefined, exit: () => undefined, logger: false });
    try {
      const list = (await (await fetch(`${service.url}/api/chaos/proxies`)).json()) as { proxies: Array<{ name: string; listen: string; enabled: boolean }> };
      expect(list.proxies).toEqual([expect.objectContaining({ name: 'pg', listen: `127.0.0.1:${port}`, upstream: '127.0.0.1:5432', enabled: true })]);
    } finally {
      await service.close();
    }
    const off = join(dir, 'no-chaos.yaml');
    await writeFile(off, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nshutdown:\n  readyDelayMs: 0\n`);
    const plain = await runStart({ config: off, port: 0, out: () => undefined, exit: () => undefined, logger: false });
    try {
      const res = await fetch(`${plain.url}/api/chaos/proxies`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { detail: string }).detail).toBe('chaos is off: set features.chaos');
    } finally {
      await plain.close();
    }
  });

  it('refuses a Redis that does not answer, naming the key and without its password', async () => {
    const port = await freePort();
    const file = join(dir, 'redis.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nstorage:\n  redisUrl: redis://:hunter2pw@127.0.0.1:${port}\n`);
    const error = await runStart({ config: file, port: 0, out: () => undefined }).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/^storage\.redisUrl: Redis does not answer: /);
    expect(error?.message).not.toContain('hunter2pw');
  });
});
