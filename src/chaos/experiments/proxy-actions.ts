/**
 * The network-level fault as an experiment action: `proxy-toxic` adds a toxic (toxiproxy's model,
 * ../proxy/toxic.ts) to one of the service's fault proxies for the step, and removes it when the
 * step ends, the run aborts or errors. The proxy sits between the service and a real dependency
 * (PostgreSQL, Redis, an exchange) and is declared in `chaos.proxies`.
 */
import { z } from 'zod';
import { TOXIC_DIRECTIONS, TOXIC_TYPES, type ToxicSpec } from '../proxy/toxic.js';
import type { ChaosAction } from './activities.js';

const toxicArgs = z.strictObject({
  /** The fault proxy, by its name in `chaos.proxies`. */
  proxy: z.string().min(1),
  /** The toxic's name on the proxy; `<type>_<direction>` when omitted. */
  name: z.string().min(1).max(100).optional(),
  type: z.enum(TOXIC_TYPES),
  direction: z.enum(TOXIC_DIRECTIONS).optional(),
  toxicity: z.number().min(0).max(1).optional(),
  /** The type's attributes (e.g. `{ latencyMs: 300 }`); the proxy's defaults fill the rest and refuse unknown keys. */
  attributes: z.record(z.string(), z.number().min(0)).optional(),
});

export const proxyToxic: ChaosAction<z.infer<typeof toxicArgs>> = {
  name: 'proxy-toxic',
  description: 'adds a toxic (latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData) to a fault proxy; removed when the step ends',
  args: toxicArgs,
  start({ target }, a) {
    const proxies = target.proxies;
    if (!proxies) throw new RangeError('action proxy-toxic: the service has no fault proxies (declare them in chaos.proxies)');
    const proxy = proxies.get(a.proxy);
    if (!proxy) throw new RangeError(`action proxy-toxic: args.proxy: no fault proxy "${a.proxy}"`);
    const spec = {
      type: a.type,
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.direction !== undefined ? { direction: a.direction } : {}),
      ...(a.toxicity !== undefined ? { toxicity: a.toxicity } : {}),
      ...(a.attributes !== undefined ? { attributes: a.attributes } : {}),
    } as ToxicSpec;
    const toxic = proxy.addToxic(spec);
    return { toxic, stop: () => void proxy.removeToxic(toxic.name) };
  },
};

export const proxyActions: readonly ChaosAction<never>[] = [proxyToxic] as ChaosAction<never>[];
