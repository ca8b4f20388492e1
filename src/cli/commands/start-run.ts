/**
 * What `bulwark start` runs (see start.ts), loaded only when it runs: the ops server and dashboard.
 * Without a config: demo mode (simulated exchange, a sample bot, injected faults). With one: the
 * same server over the configured components. SIGINT/SIGTERM stop it gracefully (src/shutdown):
 * not ready -> close the server -> stop the demo -> close storage; exit 0 when that went well.
 */
import type { Logger } from 'pino';
import { bindRefusal, isLoopbackHost } from '../../config/bind-address.js';
import { createLogger } from '../../config/logger.js';
import { lockDataDir } from '../../storage/data-dir-lock.js';
import { startDemo } from '../../demo/demo.js';
import { buildApp, type OpsApp } from '../../server/app.js';
import type { ServerComponents } from '../../server/components.js';
import { componentsFromConfig, configuredSummary, loadConfigFile } from '../../server/configured.js';
import { type ServiceAuth, serviceAuth } from '../../server/service-auth.js';
import type { Storage } from '../../storage/types.js';
import { type GracefulShutdown, gracefulShutdown } from '../../shutdown/shutdown.js';
import { keepAliveCloser } from '../../shutdown/keep-alive-closer.js';
import { START_DEFAULTS } from './start.js';
import { integerFlag } from '../flags.js';

export interface StartOptions {
  config?: string;
  port?: number | string;
  host?: string;
  /** Demo data directory (refused with a config, which names its own). */
  dataDir?: string;
  /** Demo mode: inject faults into the simulated exchange (on unless turned off). */
  faults?: boolean;
  /** Demo mode: the simulated exchange's port, so another client can reach it (default: a free one). */
  simPort?: number | string;
  /** The banner and notices (stderr in the command: stdout carries the JSON log). */
  out?: (line: string) => void;
  /** Ends the process after a graceful stop; injected in tests. */
  exit?: (code: number) => void;
  /** The server's log (JSON lines): pino to stdout by default; false turns it off. */
  logger?: Logger | false;
}

export interface StartedService {
  app: OpsApp;
  url: string;
  mode: 'demo' | 'config';
  /** Demo mode: the admin token made at start (the dashboard link carries it). */
  adminToken?: string;
  shutdown: GracefulShutdown;
  /** Closes everything without exiting the process. */
  close(): Promise<void>;
}

const parsePort = (value: number | string | undefined, fallback: number, flag = 'port'): number => integerFlag(flag, value, fallback, 0, 65_535);

/** Takes the data folder's lock; a folder that cannot be created is refused with the key that named it. */
function lockDataDirOrExplain(dir: string, key: string): ReturnType<typeof lockDataDir> {
  try {
    return lockDataDir(dir, { what: 'bulwark start' });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new Error(`${key}: the data directory ${dir} cannot be created or written (${code})`);
    throw error;
  }
}

/** Starts the service and prints the banner; the caller installs signal handling. */
export async function runStart(options: StartOptions = {}): Promise<StartedService> {
  const out = options.out ?? ((line: string) => console.log(line));
  let components: ServerComponents;
  let closeComponents: () => Promise<void>;
  let mode: 'demo' | 'config';
  let simUrl: string | undefined;
  let simEndpoints: string | undefined;
  let shutdownSettings = { readyDelayMs: 0, drainTimeoutMs: 5_000, hookTimeoutMs: 10_000 };
  // Demo options with a config would be ignored: refused instead, saying where the setting lives.
  if (options.config) {
    const demoOnly = [options.dataDir !== undefined && '--data-dir (set dataDir in the file)', options.simPort !== undefined && '--sim-port', options.faults === false && '--no-faults'].filter(Boolean);
    if (demoOnly.length > 0) throw new TypeError(`${demoOnly.join(', ')}: demo mode only, not with --config`);
  }
  const loaded = options.config ? loadConfigFile(options.config) : undefined;
  const config = loaded?.config;
  const port = parsePort(options.port, config ? config.server.port : START_DEFAULTS.port);
  // --host wins over server.host; another address than loopback only with security.auth.enabled: true (config/bind-address.ts).
  // Demo mode stays on loopback: its sign-in link would carry an admin token in plain HTTP.
  const host = options.host ?? config?.server.host ?? START_DEFAULTS.host;
  const refusal = bindRefusal(host, config?.security.auth.enabled === true);
  if (refusal) throw new RangeError(`${options.host !== undefined ? '--host' : 'server.host'}: ${refusal}`);
  const simPort = parsePort(options.simPort, 0, 'sim-port');
  // The data folder is ours while we run: a restore or a second service on it refuses (storage/data-dir-lock.ts).
  const dataDir = config?.dataDir ?? options.dataDir ?? START_DEFAULTS.dataDir;
  const lock = lockDataDirOrExplain(dataDir, config ? 'dataDir' : '--data-dir');
  if (lock.tookOver) out(`data folder lock taken over from process ${lock.tookOver.pid}, which is gone`);
  let storage: Storage;
  try {
    if (config) {
      const built = await componentsFromConfig(config, { sources: loaded!.sources });
      components = built.components;
      storage = built.storage;
      closeComponents = async () => {
        await built.close();
        lock.release();
      };
      mode = 'config';
      shutdownSettings = { ...config.shutdown };
    } else {
      const demo = await startDemo({ dataDir: options.dataDir ?? START_DEFAULTS.dataDir, simPort, chaos: true, ...(options.faults === false ? { faultQuietMs: 0 } : {}) });
      components = demo.components;
      storage = demo.storage;
      closeComponents = async () => {
        await demo.stop();
        lock.release();
      };
      simUrl = demo.sim.url;
      simEndpoints = demo.endpoints.endpoints.map((e) => `${e.name} ${e.url}`).join(', ');
      mode = 'demo';
    }
  } catch (error) {
    lock.release();
    throw error;
  }
  // A local service stops at once; a configured one waits for its load balancer (readyDelayMs).
  // A stop asked for by a signal that completes without a failed hook is a clean exit (0).
  let hookFailed = false;
  let bySignal = false;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const shutdown = gracefulShutdown({ ...shutdownSettings, exit: (code) => exit(bySignal && !hookFailed ? 0 : code) });
  shutdown.on('hookFailed', ({ name, error }) => {
    hookFailed = true;
    out(`shutdown: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  shutdown.on('phase', ({ phase, reason }) => {
    if (phase === 'not-ready') {
      bySignal = 'signal' in reason;
      out(`stopping (${'signal' in reason ? reason.signal : 'requested'})...`);
    }
    if (phase === 'exit') out('stopped');
  });
  let app: OpsApp;
  let security: ServiceAuth;
  const tls = config?.security.tls;
  // Session cookies carry Secure when the server serves HTTPS.
  const tlsOn = tls?.certFile !== undefined && tls.keyFile !== undefined;
  try {
    security = await serviceAuth({ storage, dataDir, ...(config ? { security: config.security } : {}), listensOnLoopback: isLoopbackHost(host), demo: mode === 'demo', secureCookies: tlsOn });
    app = await buildApp(
      { ...components, isReady: () => shutdown.ready },
      {
        auth: security.auth,
        logger: options.logger ?? createLogger({ base: { service: components.serviceId ?? 'bulwark' }, ...(config ? { level: config.log.level } : {}) }),
        // Allowed hosts, rate limits, timeouts and caps (security.http); HTTPS when security.tls names a certificate and key.
        ...(config ? { http: config.security.http } : {}),
        ...(tlsOn && tls ? { tls: { ...tls, certFile: tls.certFile!, keyFile: tls.keyFile! } } : {}),
      },
    );
    await app.listen({ port, host });
  } catch (error) {
    await closeComponents();
    throw error;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const scheme = config?.security.tls.certFile !== undefined ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  // Stop accepting and close keep-alive connections cleanly (answers carry Connection: close), then the rest of fastify.
  shutdown.addServer(keepAliveCloser(app.server, { onStop: () => app.endStreams() }));
  shutdown.addHook('ops server', () => app.close(), { priority: 20 });
  shutdown.addHook(mode === 'demo' ? 'demo' : 'components', () => closeComponents(), { priority: 10 });

  // The demo never trades live: chaos experiments are on, against its own simulated exchange.
  const demoLine = `demo mode: simulated exchange, sample bot${options.faults === false ? '' : ', injected faults'}, chaos experiments on (never live trading)`;
  out(`Bulwark ops server (${mode === 'demo' ? demoLine : `config ${options.config}`})`);
  out(`  dashboard  ${url}/${security.demoToken !== undefined ? `?token=${security.demoToken}` : ''}`);
  out(`  API        ${url}/api/overview   OpenAPI ${url}/docs/openapi.json`);
  out(`  health     ${url}/health   metrics ${url}/metrics`);
  if (simUrl) out(`  exchange   ${simUrl} (simulated Binance spot; faults at ${simUrl}/_sim/faults)`);
  if (simEndpoints) out(`  endpoints  ${simEndpoints} (one exchange; each endpoint's faults at ${simUrl}/_sim/endpoints)`);
  if (config) configuredSummary(config).forEach((line) => out(line));
  if (security.demoToken !== undefined) out('  (the link signs the browser in with an admin token made for this run; reads from this machine need none)');
  else if (security.required && !security.hasTokens) out('  authentication is on and no token exists yet: bulwark token create --role admin');
  else if (!security.hasTokens) out('  authentication turns on with the first token: bulwark token create --role admin');
  out(`listening on ${url} — Ctrl+C stops`);

  let closed = false;
  return {
    app,
    url,
    mode,
    ...(security.demoToken !== undefined ? { adminToken: security.demoToken } : {}),
    shutdown,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await closeComponents();
    },
  };
}
