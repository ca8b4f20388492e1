/**
 * The `chaos` section of the configuration: what fault injection the service runs when
 * `features.chaos` is on. `proxies`: TCP fault proxies started with the service, each in front of
 * a dependency (their toxics are added at run time, over /api/chaos/proxies or by an experiment).
 */
import { z } from 'zod';

const proxyName = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, '1-100 letters, digits or . _ -');
/** `:PORT` (loopback), `PORT` or `HOST:PORT`; checked as an address when the proxy starts. */
const address = z.string().trim().regex(/^(?:(?:\[[^\]]+\]|[^:[\]]*):)?\d{1,5}$/, 'HOST:PORT or :PORT');

export const chaosSchema = z.strictObject({
  proxies: z
    .array(
      z.strictObject({
        name: proxyName,
        /** Where the proxy listens, e.g. `:5433`; loopback unless a host is given. */
        listen: address,
        /** The dependency behind it, e.g. `127.0.0.1:5432`. */
        upstream: z.string().trim().regex(/^(?:\[[^\]]+\]|[^:[\]]+):\d{1,5}$/, 'HOST:PORT'),
        /** False: made but not listening until enabled over the API. */
        enabled: z.boolean().optional(),
      }),
    )
    .max(50)
    .optional(),
});

export type ChaosConfig = z.infer<typeof chaosSchema>;

export const CHAOS_CONFIG_DEFAULTS: ChaosConfig = {}; // no proxy unless one is declared: each sits in front of a dependency the operator names
