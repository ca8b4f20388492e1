/**
 * Faults of one simulator endpoint (one host of the exchange, as api1..api4 are Binance's), apart
 * from the exchange's own faults (faults.ts), which every endpoint shares:
 *   - `down`: the endpoint stops listening (connections refused) until told otherwise;
 *   - `latencyMs`: every API reply of this endpoint is held this much longer, on the simulator's
 *     clock (the request is handled at once: an order is booked, its reply comes late);
 *   - `errorStatus` with `errorShare`: that share of its API requests (1: all of them, else drawn
 *     from the endpoint's seeded random) is answered with this 5xx before reaching the exchange;
 *   - `flapMs`: the endpoint alternates up and down, each state lasting this long (0: steady).
 */
import { z } from 'zod';

export const endpointFaultsUpdateSchema = z
  .object({
    /** Not listening: connections are refused. */
    down: z.boolean(),
    /** Extra hold of every API reply, in ms. */
    latencyMs: z.number().min(0),
    /** The 5xx status answered to a share of the API requests. */
    errorStatus: z.number().int().min(500).max(599),
    /** Share of API requests answered with `errorStatus` (0: none, 1: all). */
    errorShare: z.number().min(0).max(1),
    /** Up for this long, down for this long, and again (0: no flapping). */
    flapMs: z.number().min(0),
  })
  .partial()
  .strict();

export type SimEndpointFaultsInput = z.input<typeof endpointFaultsUpdateSchema>;

export interface SimEndpointFaults {
  down: boolean;
  latencyMs: number;
  errorStatus: number;
  errorShare: number;
  flapMs: number;
}

export const ENDPOINT_FAULT_DEFAULTS: SimEndpointFaults = {
  // Listening unless told otherwise.
  down: false,
  // A healthy host answers at once.
  latencyMs: 0,
  // 502 Bad Gateway: what a load balancer in front of a sick host answers.
  errorStatus: 502,
  // No request is answered with an error.
  errorShare: 0,
  // Steady.
  flapMs: 0,
};

/** No faults: a healthy endpoint. */
export function noEndpointFaults(): SimEndpointFaults {
  return { ...ENDPOINT_FAULT_DEFAULTS };
}

/** Merges a partial update; fields left out keep their value. Throws a TypeError naming the bad field. */
export function updateEndpointFaults(current: SimEndpointFaults, update: unknown): SimEndpointFaults {
  const parsed = endpointFaultsUpdateSchema.safeParse(update);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`sim endpoint faults: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid input'}`);
  }
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  return { ...current, ...defined };
}
