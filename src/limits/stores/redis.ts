import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import type { Decision, Limiter } from '../../core/limiter.js';
import { checkInteger, checkNumber, checkShape, checkString } from '../../core/option-checks.js';
import { deadlinesOf } from '../../core/timers.js';
import type { Algorithm, Grant } from '../algorithm.js';
import { LimiterUnavailableError } from '../errors.js';
import { limiterScript } from './lua.js';
import type { BoundStore, LimiterStore } from './store.js';

/**
 * The part of a Redis client the store uses: ioredis 5 (`Redis` or `Cluster`). The store sends
 * EVALSHA itself (the script's SHA1 computed once here) and EVAL once when the server answers
 * NOSCRIPT (after a restart or SCRIPT FLUSH). `status`, when present, lets it fail fast while
 * reconnecting; `isCluster` makes it keep each batch to one limiter key (one Cluster slot).
 */
export interface RedisScriptClient {
  readonly status?: string;
  readonly isCluster?: boolean;
  evalsha(sha: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** Prepended to every Redis key; give each limiter sharing a server its own prefix. */
  prefix?: string;
  /**
   * Fail-open: when Redis is unreachable, decide with this local limiter instead (give it a 1/N
   * share of the global limit for N processes). Without it the store fails closed: decisions
   * reject with LimiterUnavailableError, the safe choice for order endpoints.
   */
  insurance?: Limiter;
  /** Longest wait for one Redis reply before the store counts Redis as unreachable. */
  commandTimeoutMs?: number;
  /**
   * Most decisions one script call carries. Decisions made while another is awaiting its reply
   * go out together on the next tick, in one EVALSHA, instead of one command each.
   */
  maxDecisionsPerCall?: number;
}

export const REDIS_STORE_DEFAULTS = {
  /** Namespaces the toolkit's keys away from an application's own. */
  prefix: 'bulwark:rl:',
  /** A local round trip takes well under 1 ms; 500 ms is a dead server, not a slow one. */
  commandTimeoutMs: 500,
  /** 128 decisions run in well under 1 ms of Redis time, so a batch never stalls other clients. */
  maxDecisionsPerCall: 128,
} as const;

export interface RedisStoreEvents {
  /** Redis stopped answering; decisions now follow the insurance policy. */
  unavailable: { error: unknown };
  /** Redis answered again after being unavailable. */
  recovered: Record<string, never>;
}

export interface RedisLimiterStore extends LimiterStore, EventSource<RedisStoreEvents> {
  /** False from a failed command until the next successful one. */
  readonly available: boolean;
}

/** One decision waiting for its reply: its four script arguments and its promise's settlers. */
interface Pending {
  key: string;
  op: string;
  a: number;
  b: number | string;
  lease: number;
  /** The decision's reply: its fields (see lua.ts), or for an admitted lone consume its remaining count. */
  resolve(reply: unknown[] | number): void;
  reject(error: unknown): void;
}

/** Connection states of ioredis in which a command would only sit in the offline queue. */
const DOWN_STATES = new Set(['reconnecting', 'end', 'close']);

/** Microseconds from a script reply to milliseconds; -1 means never (Infinity). */
function micros(value: unknown): number {
  const n = Number(value);
  return n === -1 ? Infinity : n / 1000;
}

/** The server's answer to EVALSHA of a script it does not hold (restart, SCRIPT FLUSH). */
function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Limiter state in Redis, shared by every process using the same server and prefix. One round
 * trip per decision (the algorithm's Lua script via EVALSHA), Redis server TIME as the clock,
 * keys hash-tagged per limiter key (`prefix + algorithm + ':{key}'`) so every Redis key of one
 * limiter key lands in one Redis Cluster slot, and every key expires once idle.
 *
 * A lone decision is sent at once. Decisions made while one is awaiting its reply are batched:
 * on the next tick they go out together as one script call (at most `maxDecisionsPerCall`
 * each), which saves a command's parsing, a script start and a TIME per decision on the server,
 * and a command object per decision in the client. On a Redis Cluster a batch holds one limiter
 * key.
 */
export function redisStore(client: RedisScriptClient, options: RedisStoreOptions = {}): RedisLimiterStore {
  checkShape('redisStore', 'client', client, 'an ioredis client', ['evalsha', 'eval']);
  const prefix = options.prefix ?? REDIS_STORE_DEFAULTS.prefix;
  checkString('redisStore', 'prefix', prefix);
  const timeoutMs = options.commandTimeoutMs ?? REDIS_STORE_DEFAULTS.commandTimeoutMs;
  checkNumber('redisStore', 'commandTimeoutMs', timeoutMs, 0, Infinity, true);
  const maxDecisionsPerCall = options.maxDecisionsPerCall ?? REDIS_STORE_DEFAULTS.maxDecisionsPerCall;
  checkInteger('redisStore', 'maxDecisionsPerCall', maxDecisionsPerCall, 1);
  const insurance = options.insurance;
  if (insurance !== undefined) checkShape('redisStore', 'insurance', insurance, 'a Limiter (e.g. tokenBucket with a 1/N share)', ['consume']);
  const { evalsha, eval: evalScript } = client;
  const events = new Emitter<RedisStoreEvents>();
  let available = true;

  const markDown = (error: unknown): void => {
    if (!available) return;
    available = false;
    events.emit('unavailable', { error });
  };
  const markUp = (): void => {
    if (available) return;
    available = true;
    events.emit('recovered', {});
  };

  return {
    kind: 'redis',
    get available() {
      return available;
    },
    on<K extends keyof RedisStoreEvents & string>(name: K, listener: Listener<RedisStoreEvents[K]>): Unsubscribe {
      return events.on(name, listener);
    },
    bind(algorithm: Algorithm, clock: Clock): BoundStore {
      const lua = limiterScript(algorithm);
      const sha = createHash('sha1').update(lua).digest('hex');
      const params = algorithm.luaParams;
      const keyPrefix = `${prefix}${algorithm.name}:{`;
      // One shared timer per clock for every command's timeout, not a setTimeout per command.
      const deadlines = deadlinesOf(clock);
      /** Decisions waiting for the next tick's batch. */
      let queue: Pending[] = [];
      let scheduled = false;
      /** Script calls sent and not yet answered (or timed out). */
      let inFlight = 0;

      /** Sends one script call for `batch` (at most maxDecisionsPerCall decisions) and settles each decision. */
      function send(batch: Pending[]): void {
        // While ioredis reconnects a command would only wait in its offline queue: fail at once.
        // Checked here, where every call goes out (a lone decision at once, queued ones on the
        // tick), so a connection that dropped after a decision was queued is caught too.
        const status = client.status;
        if (status !== undefined && DOWN_STATES.has(status)) {
          const error = new Error(`Redis connection is ${status}`);
          markDown(error);
          for (const p of batch) p.reject(error);
          return;
        }
        const n = batch.length;
        const args: Array<string | number> = [];
        for (const p of batch) args.push(p.key);
        for (const param of params) args.push(param);
        for (const p of batch) {
          // A consume is its cost alone; leases say what they are (see lua.ts).
          if (p.op === 'c') args.push(p.a);
          else if (p.op === 'r') args.push('r', p.a, p.b, p.lease);
          else args.push('x', p.a, p.b);
        }
        let settled = false;
        let loaded = false;
        inFlight++;
        const settle = (): boolean => {
          if (settled) return false;
          settled = true;
          inFlight--;
          timer.cancel();
          return true;
        };
        const fail = (error: unknown): void => {
          markDown(error);
          for (const p of batch) p.reject(error);
        };
        const timer = deadlines.add(timeoutMs, () => {
          if (settle()) fail(new Error(`Redis did not answer within ${timeoutMs} ms`));
        });
        const onReply = (reply: unknown): void => {
          if (!settle()) return;
          // A lone consume that is admitted answers with one integer, its remaining count.
          if (typeof reply === 'number' && n === 1 && batch[0]?.op === 'c') {
            markUp();
            batch[0].resolve(reply);
            return;
          }
          // Else one flat array: three fields per consume or release, six per reserve.
          let width = 0;
          for (const p of batch) width += p.op === 'r' ? 6 : 3;
          if (!Array.isArray(reply) || reply.length !== width) {
            const error = new TypeError(`unexpected reply from the limiter script: ${JSON.stringify(reply)}`);
            for (const p of batch) p.reject(error);
            return;
          }
          markUp();
          let at = 0;
          for (const p of batch) {
            const fields = p.op === 'r' ? 6 : 3;
            p.resolve(n === 1 ? reply : reply.slice(at, at + fields));
            at += fields;
          }
        };
        const onError = (error: unknown): void => {
          if (settled) return;
          if (!loaded && isNoScript(error)) {
            // The server lost its script cache: send the script itself once (it is cached again).
            loaded = true;
            evalScript.call(client, lua, n, ...args).then(onReply, onError);
            return;
          }
          settle();
          fail(error);
        };
        evalsha.call(client, sha, n, ...args).then(onReply, onError);
      }

      /** Sends `list` in script calls of at most maxDecisionsPerCall decisions. */
      function sendInChunks(list: Pending[]): void {
        if (list.length <= maxDecisionsPerCall) send(list);
        else for (let i = 0; i < list.length; i += maxDecisionsPerCall) send(list.slice(i, i + maxDecisionsPerCall));
      }

      /** Sends every queued decision: in chunks, and on a Cluster one limiter key (one slot) per call. */
      function flush(): void {
        scheduled = false;
        const batch = queue;
        queue = [];
        if (client.isCluster !== true) {
          sendInChunks(batch);
          return;
        }
        const byKey = new Map<string, Pending[]>();
        for (const p of batch) {
          const list = byKey.get(p.key);
          if (list) list.push(p);
          else byKey.set(p.key, [p]);
        }
        for (const list of byKey.values()) sendInChunks(list);
      }

      /** One decision: sent at once when nothing else is pending, else with the next tick's batch. */
      function call(key: string, op: string, a: number, b: number | string, lease: number): Promise<unknown[] | number> {
        return new Promise<unknown[] | number>((resolve, reject) => {
          const pending: Pending = { key: `${keyPrefix}${key}}`, op, a, b, lease, resolve, reject };
          if (inFlight === 0 && !scheduled) {
            send([pending]);
            return;
          }
          queue.push(pending);
          if (!scheduled) {
            scheduled = true;
            process.nextTick(flush);
          }
        });
      }

      const unavailable = (error: unknown): LimiterUnavailableError =>
        new LimiterUnavailableError(
          `Rate limiter store unreachable (redis: ${error instanceof Error ? error.message : String(error)}); failing closed because no insurance limiter is configured`,
          error,
        );

      return {
        async consume(key: string, cost: number): Promise<Decision> {
          let reply: unknown[] | number;
          try {
            reply = await call(key, 'c', cost, 0, 0);
          } catch (error) {
            if (insurance) return insurance.consume(key, cost);
            throw unavailable(error);
          }
          if (typeof reply === 'number') return { allowed: true, remaining: reply, retryAfterMs: 0 };
          return { allowed: reply[0] === 1, remaining: Number(reply[1]), retryAfterMs: micros(reply[2]) };
        },
        async reserve(key: string, want: number, min: number, leaseMs: number): Promise<Grant> {
          let reply: unknown[];
          try {
            reply = (await call(key, 'r', want, min, leaseMs)) as unknown[];
          } catch (error) {
            throw unavailable(error);
          }
          return {
            granted: Number(reply[3] ?? 0),
            remaining: Number(reply[1]),
            retryAfterMs: micros(reply[2]),
            validForMs: micros(reply[4] ?? 0),
            stamp: Number(reply[5] ?? 0),
          };
        },
        async release(key: string, units: number, stamp: number): Promise<void> {
          try {
            // The stamp goes back as the same decimal text the script produced.
            await call(key, 'x', units, String(stamp), 0);
          } catch {
            // Units not returned are only wasted until their window passes, never overspent.
          }
        },
      };
    },
  };
}
