/**
 * The simulator's fault controls: what the control endpoint (`/_sim/faults`) accepts, with
 * defaults (no faults) and validation. Rules are counted, not random, so a test that asks for
 * "the next order request fails with 503" gets exactly that.
 */
import { z } from 'zod';

export const failureRuleSchema = z.object({
  /** HTTP method to match (any when omitted). */
  method: z.string().toUpperCase().optional(),
  /** Path to match exactly, e.g. /api/v3/order (any API path when omitted). */
  path: z.string().startsWith('/').optional(),
  /** Status to answer: 5xx, 429 (rate limited) or 418 (IP ban), or any 4xx. */
  status: z.number().int().min(400).max(599),
  /** Retry-After header in seconds (429 and 418); a 418 also bans every request for that long. */
  retryAfterSec: z.number().int().min(0).optional(),
  /** How many matching requests fail before the rule is spent. */
  times: z.number().int().min(1).default(1),
  /** For order placement: accept the order first, then answer with the error (an ambiguous outcome). */
  afterAccept: z.boolean().default(false),
  /** Binance error code in the body (default: -1003 for 418/429, -1001 for 5xx, -1000 otherwise), e.g. -1007. */
  code: z.number().int().optional(),
  /** Error message in the body (default: Binance's message for the status). */
  msg: z.string().optional(),
});

export type FailureRule = z.infer<typeof failureRuleSchema>;

/** Every field optional: an update names only what it changes. */
export const faultsUpdateSchema = z
  .object({
    /** Extra delay before every API reply, in ms. */
    latencyMs: z.number().min(0),
    /** Every API request answers 503 "System is under maintenance." while true. */
    maintenance: z.boolean(),
    /** Counted failure rules, checked in order; an update replaces the list. */
    failures: z.array(failureRuleSchema),
    /** The next N accepted orders get no reply: the connection is destroyed after the order is booked. */
    dropReplyAfterAccept: z.number().int().min(0),
    /** The next N accepted orders have their reply held back by `holdReplyMs` (longer than a client's timeout). */
    holdReplyAfterAccept: z.number().int().min(0),
    /** How long a held reply is held, in ms. */
    holdReplyMs: z.number().min(0),
    /** New orders stay invisible to queries (fetch, open orders, all orders) for this long, in ms. */
    visibilityDelayMs: z.number().min(0),
    /** The next N order requests are lost on the way: the connection drops and the matching engine never sees them. */
    loseRequests: z.number().int().min(0),
    /** Slow matching: an order reaches the matching engine this long after it reaches the API; past the backend timeout (10 s) the API answers -1007 and the engine still takes it later, if its recvWindow allows. */
    matchingDelayMs: z.number().min(0),
    /** The exchange's clock runs this far ahead (negative: behind) of ours: its server time and its timestamp checks (-1021) use it. */
    clockSkewMs: z.number(),
  })
  .partial()
  .strict();

export interface SimFaults {
  latencyMs: number;
  maintenance: boolean;
  failures: FailureRule[];
  dropReplyAfterAccept: number;
  holdReplyAfterAccept: number;
  holdReplyMs: number;
  visibilityDelayMs: number;
  loseRequests: number;
  matchingDelayMs: number;
  clockSkewMs: number;
}

export const FAULT_DEFAULTS: SimFaults = {
  // A healthy exchange answers at once; latency is something a test asks for.
  latencyMs: 0,
  // Open for business unless told otherwise.
  maintenance: false,
  // No scripted failures.
  failures: [],
  // Every accepted order gets its reply.
  dropReplyAfterAccept: 0,
  // No reply is held back.
  holdReplyAfterAccept: 0,
  // Only used when a reply is held.
  holdReplyMs: 0,
  // Orders are visible as soon as they are booked.
  visibilityDelayMs: 0,
  // Every request arrives.
  loseRequests: 0,
  // The matching engine takes an order as soon as it arrives.
  matchingDelayMs: 0,
  // The exchange's clock agrees with ours.
  clockSkewMs: 0,
};

export type SimFaultsInput = z.input<typeof faultsUpdateSchema>;

/** No faults at all: the simulator behaves like a healthy exchange. */
export function noFaults(): SimFaults {
  return { ...FAULT_DEFAULTS, failures: [] };
}

/**
 * Merges a partial update into the current faults. Fields left out keep their value;
 * `failures` given replaces the list. Throws a TypeError naming the bad field.
 */
export function updateFaults(current: SimFaults, update: unknown): SimFaults {
  const parsed = faultsUpdateSchema.safeParse(update);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`sim faults: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid input'}`);
  }
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  return { ...current, ...defined };
}
