/**
 * The Lua scripts of the Redis leader lease, one round trip each. Keys of one election are
 * `<prefix>leader:{<name>}:...` (one Cluster slot):
 *
 *   lease   "<instance>|<token>", expiring (PX) unless renewed: whoever holds it leads
 *   token   counter, INCR on every new leadership: the fencing token, never reused
 */

/**
 * KEYS: lease, token. ARGV: instance, lease ms. Takes a free lease with a new token, or renews
 * the lease this instance already holds (same token). Returns the token, or -1 when another holds it.
 */
export const ACQUIRE_LEASE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local holder, token = string.match(current, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  return -1
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token
`;

/** KEYS: lease. ARGV: "<instance>|<token>", lease ms. Compare and extend: 1 if still held, else 0. */
export const RENEW_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: "<instance>|<token>". Gives the lease up if still held: 1 if it was, else 0. */
export const RESIGN_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: fence, target. ARGV: token, value. The guarded write: stores `value` at `target` only if
 * `token` is not older than the newest token the fence has seen (which it then records).
 * Returns 1 when written, 0 when the token is stale.
 */
export const FENCED_SET_SCRIPT = `
local newest = tonumber(redis.call('GET', KEYS[1]) or '0')
local token = tonumber(ARGV[1])
if token < newest then return 0 end
if token > newest then redis.call('SET', KEYS[1], token) end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

export const LEADER_COMMANDS = {
  acquire: ['bulwarkLeaderAcquireV1', ACQUIRE_LEASE_SCRIPT, 2],
  renew: ['bulwarkLeaderRenewV1', RENEW_LEASE_SCRIPT, 1],
  resign: ['bulwarkLeaderResignV1', RESIGN_LEASE_SCRIPT, 1],
  fencedSet: ['bulwarkFencedSetV1', FENCED_SET_SCRIPT, 2],
} as const;

/** One election's keys. */
export function leaderKeys(prefix: string, name: string) {
  const base = `${prefix}leader:{${name.replace(/[{}]/g, '_')}}`;
  return { lease: `${base}:lease`, token: `${base}:token` };
}
