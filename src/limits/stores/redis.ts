import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import type { Decision, Limiter } from '../../core/limiter.js';
import { deadlinesOf } from '../../core/timers.js';
import type { Algorithm, Grant } from '../algorithm.js';
import { LimiterUnavailableError } from '../errors.js';
import { LUA_PRELUDE } from './lua.js';
import type { BoundStore, LimiterStore } from './store.js';

/**
 * The part of a Redis client the store uses. With ioredis 5 the store sends `evalsha` itself
 * (the script's SHA1 computed once here) and falls back to `eval` once when the server answers
 * NOSCRIPT (after a restart or SCRIPT FLUSH); clients without `evalsha`/`eval` get the script
 * through `defineCommand`. `status`, when present, lets the store fail fast while reconnecting;
 * `stream`, when present, lets it coalesce the writes of decisions sent in the same tick.
 */
export interface RedisScriptClient {
  readonly status?: string;
  readonly stream?: unknown;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  evalsha?(sha: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval?(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
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
}

export const REDIS_STORE_DEFAULTS = {
  /** Namespaces the toolkit's keys away from an application's own. */
  prefix: 'bulwark:rl:',
  /** A local round trip takes well under 1 ms; 500 ms is a dead server, not a slow one. */
  commandTimeoutMs: 500,
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

/** Sends one script call: EVALSHA, or EVAL (`load`) to put the script back into the server's cache. */
type ScriptFn = (load: boolean, key: string, op: string, a: number, b: number | string, lease: number) => Promise<unknown>;

/** Connection states of ioredis in which a command would only sit in the offline queue. */
const DOWN_STATES = new Set(['reconnecting', 'end', 'close']);

const defined = new WeakMap<object, Set<string>>();

/** Microseconds from a script reply to milliseconds; -1 means never (Infinity). */
function micros(value: unknown): number {
  const n = Number(value);
  return n === -1 ? Infinity : n / 1000;
}

/** The server's answer to EVALSHA of a script it does not hold (restart, SCRIPT FLUSH). */
function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** A writable stream that can batch writes (a net.Socket): what ioredis exposes as `stream`. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

function corkable(stream: unknown): stream is Corkable {
  return (
    typeof stream === 'object' &&
    stream !== null &&
    typeof (stream as Corkable).cork === 'function' &&
    typeof (stream as Corkable).uncork === 'function'
  );
}

/**
 * Limiter state in Redis, shared by every process using the same server and prefix. One round
 * trip per decision (the algorithm's Lua script via EVALSHA), Redis server TIME as the clock,
 * keys hash-tagged per limiter key (`prefix + algorithm + ':{key}'`) so every Redis key of one
 * limiter key lands in one Redis Cluster slot, and every key expires once idle.
 */
export function redisStore(client: RedisScriptClient, options: RedisStoreOptions = {}): RedisLimiterStore {
  if (typeof client !== 'object' || client === null || typeof client.defineCommand !== 'function') {
    throw new TypeError('redisStore(client) needs an ioredis client (an object with defineCommand)');
  }
  const prefix = options.prefix ?? REDIS_STORE_DEFAULTS.prefix;
  if (typeof prefix !== 'string') throw new TypeError(`redisStore: prefix must be a string, got ${typeof prefix}`);
  const timeoutMs = options.commandTimeoutMs ?? REDIS_STORE_DEFAULTS.commandTimeoutMs;
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    throw new RangeError(`redisStore: commandTimeoutMs must be a number greater than 0, got ${String(timeoutMs)}`);
  }
  const insurance = options.insurance;
  if (insurance !== undefined && typeof insurance.consume !== 'function') {
    throw new TypeError('redisStore: insurance must be a Limiter (e.g. tokenBucket with a 1/N share)');
  }
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

  function commandFor(algorithm: Algorithm): ScriptFn {
    const lua = LUA_PRELUDE + algorithm.lua;
    const params = algorithm.luaParams;
    const { evalsha, eval: evalScript } = client;
    if (typeof evalsha === 'function' && typeof evalScript === 'function') {
      // Straight to EVALSHA: ioredis' defineCommand wraps every call in a script command with its
      // own closures and promise chain, which cost more client CPU than the command itself.
      const sha = createHash('sha1').update(lua).digest('hex');
      if (params.length === 2) {
        // Every shipped algorithm has two parameters: pass them without spreading an array.
        const [p1 = 0, p2 = 0] = params;
        return (load, key, op, a, b, lease) =>
          load
            ? evalScript.call(client, lua, 1, key, op, a, b, lease, p1, p2)
            : evalsha.call(client, sha, 1, key, op, a, b, lease, p1, p2);
      }
      return (load, key, op, a, b, lease) =>
        load
          ? evalScript.call(client, lua, 1, key, op, a, b, lease, ...params)
          : evalsha.call(client, sha, 1, key, op, a, b, lease, ...params);
    }
    const name = `bulwarkLimit_${algorithm.name}`;
    let names = defined.get(client);
    if (!names) {
      names = new Set();
      defined.set(client, names);
    }
    if (!names.has(name)) {
      client.defineCommand(name, { numberOfKeys: 1, lua });
      names.add(name);
    }
    const fn = (client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[name];
    if (typeof fn !== 'function') throw new TypeError(`redisStore: the client did not define the script command ${name}`);
    // The defined command loads the script itself after NOSCRIPT, so `load` needs no second path.
    return (_load, key, op, a, b, lease) => fn.call(client, key, op, a, b, lease, ...params);
  }

  // Decisions sent while others are awaiting replies (many calls in flight) go out in one socket
  // write per tick: the connection's stream is corked at the first and uncorked on the next tick.
  // A lone decision (sequential use) is written at once, adding no tick of latency.
  let inFlight = 0;
  let corked: Corkable | undefined;
  const uncork = (): void => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  const coalesce = (): void => {
    if (corked !== undefined || inFlight === 0) return;
    const stream = client.stream;
    if (!corkable(stream)) return;
    stream.cork();
    corked = stream;
    process.nextTick(uncork);
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
      const script = commandFor(algorithm);
      const keyPrefix = `${prefix}${algorithm.name}:{`;
      // One shared timer per clock for every command's timeout, not a setTimeout per command.
      const deadlines = deadlinesOf(clock);

      /** One script call, bounded by the command timeout; resolves to the parsed reply. */
      function call(key: string, op: string, a: number, b: number | string, lease: number): Promise<unknown[]> {
        const status = client.status;
        if (status !== undefined && DOWN_STATES.has(status)) {
          const error = new Error(`Redis connection is ${status}`);
          markDown(error);
          return Promise.reject(error);
        }
        const redisKey = `${keyPrefix}${key}}`;
        return new Promise<unknown[]>((resolve, reject) => {
          let settled = false;
          let loaded = false;
          const settle = (): boolean => {
            if (settled) return false;
            settled = true;
            inFlight--;
            timer.cancel();
            return true;
          };
          const timer = deadlines.add(timeoutMs, () => {
            if (!settle()) return;
            const error = new Error(`Redis did not answer within ${timeoutMs} ms`);
            markDown(error);
            reject(error);
          });
          const onReply = (reply: unknown): void => {
            if (!settle()) return;
            if (!Array.isArray(reply) || reply.length < 3) {
              reject(new TypeError(`unexpected reply from the limiter script: ${JSON.stringify(reply)}`));
              return;
            }
            markUp();
            resolve(reply);
          };
          const onError = (error: unknown): void => {
            if (settled) return;
            if (!loaded && isNoScript(error)) {
              // The server lost its script cache: send the script itself once (it is cached again).
              loaded = true;
              script(true, redisKey, op, a, b, lease).then(onReply, onError);
              return;
            }
            settle();
            markDown(error);
            reject(error);
          };
          coalesce();
          inFlight++;
          script(false, redisKey, op, a, b, lease).then(onReply, onError);
        });
      }

      const unavailable = (error: unknown): LimiterUnavailableError =>
        new LimiterUnavailableError(
          `Rate limiter store unreachable (redis: ${error instanceof Error ? error.message : String(error)}); failing closed because no insurance limiter is configured`,
          error,
        );

      return {
        async consume(key: string, cost: number): Promise<Decision> {
          let reply: unknown[];
          try {
            reply = await call(key, 'c', cost, 0, 0);
          } catch (error) {
            if (insurance) return insurance.consume(key, cost);
            throw unavailable(error);
          }
          return { allowed: reply[0] === 1, remaining: Number(reply[1]), retryAfterMs: micros(reply[2]) };
        },
        async reserve(key: string, want: number, min: number, leaseMs: number): Promise<Grant> {
          let reply: unknown[];
          try {
            reply = await call(key, 'r', want, min, leaseMs);
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
