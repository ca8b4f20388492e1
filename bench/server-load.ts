/**
 * The ops server under load: /health and /metrics at a fixed rate (1,000 requests/s by default)
 * for 30 s each on loopback, with autocannon. The server is `bulwark start --no-faults` in a
 * child process (demo components: simulated exchange, a bot trading once a second), so the load
 * generator does not share its event loop. Records p50/p99/max latency and errors.
 * Runnable alone: `npx tsx bench/server-load.ts [seconds] [rate]`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

export interface ServerLoadOptions {
  /** Seconds per endpoint; 30 s as the target asks, long enough for GC and the health interval to show. */
  durationSec?: number;
  /** Requests per second, all connections together. */
  rate?: number;
  /** Concurrent connections; 10 is a small fleet of scrapers and probes. */
  connections?: number;
  paths?: string[];
}

export const serverLoadDefaults = {
  durationSec: 30,
  rate: 1_000,
  connections: 10,
  paths: ['/health', '/metrics'],
};

export interface ServerLoadRow {
  path: string;
  rate: number;
  durationSec: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** The CLI entry next to this file: compiled (build-bench/src/cli/main.js) or the TypeScript source through tsx. */
function command(dataDir: string): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = ['start', '--port', '0', '--no-faults', '--data-dir', dataDir];
  if (import.meta.url.endsWith('.ts')) return ['--import', 'tsx', join(here, '..', 'src', 'cli', 'main.ts'), ...args];
  return [join(here, '..', 'src', 'cli', 'main.js'), ...args];
}

export async function benchServerLoad(options: ServerLoadOptions = {}): Promise<ServerLoadRow[]> {
  const o = { ...serverLoadDefaults, ...options };
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-load-'));
  const child = spawn(process.execPath, command(join(dir, 'data')), { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(child, 'exit');
  const rows: ServerLoadRow[] = [];
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      // The banner goes to stderr (stdout carries the JSON log).
      child.stderr!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`bulwark start exited with ${code}: ${out}`)));
    });
    for (const path of o.paths) {
      const result = await autocannon({ url: `${base}${path}`, connections: o.connections, duration: o.durationSec, overallRate: o.rate });
      rows.push({
        path,
        rate: o.rate,
        durationSec: o.durationSec,
        requests: result.requests.total,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
      });
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`load average before/after: ${loadavg()[0]!.toFixed(2)} (1 min)`);
  console.log('| endpoint | rate (req/s) | duration | requests | p50 ms | p99 ms | max ms | errors | timeouts | non-2xx |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.path} | ${r.rate} | ${r.durationSec} s | ${r.requests} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.errors} | ${r.timeouts} | ${r.non2xx} |`);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [seconds, rate] = process.argv.slice(2).map(Number);
  await benchServerLoad({ ...(seconds ? { durationSec: seconds } : {}), ...(rate ? { rate } : {}) });
}
