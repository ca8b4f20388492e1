/**
 * What `bulwark chaos proxy` runs (see chaos.ts), loaded only when it runs: a fault proxy with the
 * toxics of the flags, a line per connection opened and closed, until SIGINT or SIGTERM.
 */
import { faultProxy } from '../../chaos/proxy/fault-proxy.js';
import { formatAddress } from '../../chaos/proxy/address.js';
import type { Toxic } from '../../chaos/proxy/toxic.js';
import { parseToxicFlag } from '../../chaos/proxy/toxic-flag.js';
import { integerFlag } from '../flags.js';
import type { ChaosCommandDeps, ChaosProxyFlags } from './chaos.js';

export const CHAOS_PROXY_COMMAND_DEFAULTS = {
  seed: 1, // the same toxicity draws on every run unless asked otherwise
} as const;

/** SIGINT or SIGTERM, whichever comes first. */
function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
      resolve(signal);
    };
    const int = on('SIGINT');
    const term = on('SIGTERM');
    process.once('SIGINT', int);
    process.once('SIGTERM', term);
  });
}

/** `latency downstream 100% latencyMs=200 jitterMs=50` */
export function describeToxic(toxic: Toxic): string {
  const attributes = Object.entries(toxic.attributes).map(([k, v]) => `${k}=${String(v)}`);
  return `${toxic.name}: ${toxic.type} ${toxic.direction} ${Math.round(toxic.toxicity * 100)}% ${attributes.join(' ')}`.trim();
}

export async function runChaosProxy(flags: ChaosProxyFlags, deps: ChaosCommandDeps = {}): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const seed = integerFlag('seed', flags.seed, CHAOS_PROXY_COMMAND_DEFAULTS.seed, 0, 2 ** 32 - 1);
  const toxics = (flags.toxic ?? []).map((t) => parseToxicFlag(t));
  const proxy = await faultProxy({ listen: flags.listen, upstream: flags.upstream, toxics, seed, enabled: !flags.disabled });
  const stopped = (deps.stopSignal ?? signalled)();
  const say = (line: string, event: Record<string, unknown>): void => {
    if (flags.json) stdout.write(`${JSON.stringify(event)}\n`);
    else stderr.write(`${line}\n`);
  };
  say(`Fault proxy ${formatAddress(proxy.listen)} -> ${formatAddress(proxy.upstream)}${proxy.enabled ? '' : ' (disabled)'}`, { event: 'listening', ...proxy.view() });
  for (const toxic of proxy.toxics()) say(`  toxic ${describeToxic(toxic)}`, { event: 'toxic', toxic });
  if (toxics.length === 0) say('  no toxics: bytes pass unchanged', { event: 'toxic', toxic: null });
  proxy.on('connection', (e) => say(`connection ${e.id} from ${e.client}${e.toxics.length > 0 ? `: ${e.toxics.join(', ')}` : ': no toxic drawn'}`, { event: 'connection', ...e }));
  proxy.on('connectionClosed', (e) => say(`connection ${e.id} closed (${e.reason}): ${e.bytes.upstream} bytes up, ${e.bytes.downstream} down`, { event: 'connectionClosed', ...e }));
  const signal = await stopped;
  say(`${signal}: closing the proxy and its ${proxy.connections().length} connections`, { event: 'stopping', signal });
  await proxy.close();
}
