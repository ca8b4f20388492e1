/**
 * The Lua scripts of shared breakers, one round trip each. Keys of one breaker are
 * `<prefix>breaker:{<name>}:...`, so they share one Cluster slot.
 *
 *   epoch   counter, INCR on every announced change: orders the fleet's changes
 *   last    the last announced change as JSON {v, epoch, state, ms, from}, kept without expiry
 *   open    the epoch of the open change, expiring (PX) when its open time ends: PTTL is the
 *           remaining open time in the server's own time, so no two clocks are compared
 *   trial:N one trial slot, holding the instance that runs a trial, expiring after the lease
 */

/** KEYS: epoch, last, open. ARGV: channel, state ('open'|'closed'), ms, instance. Returns the epoch. */
export const ANNOUNCE_SCRIPT = `
local epoch = redis.call('INCR', KEYS[1])
local ms = tonumber(ARGV[3])
local message = cjson.encode({ v = 1, epoch = epoch, state = ARGV[2], ms = ms, from = ARGV[4] })
redis.call('SET', KEYS[2], message)
if ARGV[2] == 'open' and ms > 0 then
  redis.call('SET', KEYS[3], epoch, 'PX', ms)
else
  redis.call('DEL', KEYS[3])
end
redis.call('PUBLISH', ARGV[1], message)
return epoch
`;

/** KEYS: last, open. Returns { last change or false, remaining open ms (PTTL, negative when none) }. */
export const CATCH_UP_SCRIPT = `
return { redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[2]) }
`;

/**
 * KEYS: the trial slots. ARGV: instance, lease ms. Takes the first free slot (or renews the one
 * this instance holds); returns its index (0-based), or -1 when every slot is taken.
 */
export const ACQUIRE_TRIAL_SCRIPT = `
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    return i - 1
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then return i - 1 end
end
return -1
`;

/** KEYS: one trial slot. ARGV: instance. Frees the slot if this instance still holds it. */
export const RELEASE_TRIAL_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Command names carry a version, so an older script registered on a shared client is never used. */
export const SHARED_BREAKER_COMMANDS = {
  announce: ['bulwarkBreakerAnnounceV1', ANNOUNCE_SCRIPT, 3],
  catchUp: ['bulwarkBreakerCatchUpV1', CATCH_UP_SCRIPT, 2],
  acquireTrial: ['bulwarkBreakerAcquireTrialV1', ACQUIRE_TRIAL_SCRIPT, undefined],
  releaseTrial: ['bulwarkBreakerReleaseTrialV1', RELEASE_TRIAL_SCRIPT, 1],
} as const;

/** One breaker's keys and channel. */
export function breakerKeys(prefix: string, name: string, trials: number) {
  // Braces inside the name would change the hash tag; they are replaced to keep one slot per breaker.
  const base = `${prefix}breaker:{${name.replace(/[{}]/g, '_')}}`;
  return {
    channel: base,
    epoch: `${base}:epoch`,
    last: `${base}:last`,
    open: `${base}:open`,
    trials: Array.from({ length: trials }, (_, i) => `${base}:trial:${i}`),
  };
}
