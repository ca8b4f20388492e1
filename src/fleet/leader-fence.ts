/**
 * Guarded writes: a write made for a leader carries its fencing token, and the store refuses a
 * token older than the newest it has seen. Once the successor has written, the deposed leader's
 * writes fail, however late they arrive. Two forms: a Redis script (`fencedSet`) and a PostgreSQL
 * fence row claimed inside the caller's transaction (`claimFence`).
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { ResilienceError } from '../core/errors.js';
import { checkInteger } from '../core/option-checks.js';
import { LEADER_COMMANDS } from './leader-scripts.js';

/** A guarded write carried a token older than one the store has already seen: its leader was deposed. */
export class StaleFencingTokenError extends ResilienceError {
  declare readonly code: 'STALE_FENCING_TOKEN';
  constructor(
    message: string,
    readonly token: number,
  ) {
    super('STALE_FENCING_TOKEN', message);
  }
}

function checkToken(component: string, token: number): number {
  checkInteger(component, 'token', token, 1);
  return token;
}

export interface FencedSetOptions {
  /** The fence of the resource: holds the newest token seen. */
  fence: string;
  /** The key written. */
  key: string;
  value: string;
  /** The writer's fencing token (`election.token`). */
  token: number;
}

/** Sets `key` to `value` in one script, unless `token` is older than the fence's; then throws StaleFencingTokenError. */
export async function fencedSet(redis: Redis, options: FencedSetOptions): Promise<void> {
  const token = checkToken('fencedSet', options.token);
  const [command, lua, numberOfKeys] = LEADER_COMMANDS.fencedSet;
  redis.defineCommand(command, { lua, numberOfKeys });
  const call = (redis as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[command]!;
  const written = Number(await call.call(redis, options.fence, options.key, token, options.value));
  if (written !== 1) throw new StaleFencingTokenError(`fencedSet: token ${token} is stale for ${options.fence}`, token);
}

/** The fence table `claimFence` uses; create it once (in the schema of your choice). */
export const FENCE_TABLE_SQL = 'CREATE TABLE IF NOT EXISTS bulwark_fences (name text PRIMARY KEY, token bigint NOT NULL)';

/**
 * Inside the caller's transaction: records `token` as the newest for `name`, or throws
 * StaleFencingTokenError if a newer one was recorded. The row stays locked until the transaction
 * ends, so a stale leader's transaction cannot interleave with its successor's; do the guarded
 * writes after this call, in the same transaction.
 */
export async function claimFence(client: pg.ClientBase, name: string, token: number): Promise<void> {
  checkToken('claimFence', token);
  const result = await client.query(
    `INSERT INTO bulwark_fences (name, token) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token WHERE bulwark_fences.token <= EXCLUDED.token
     RETURNING token`,
    [name, token],
  );
  if (result.rowCount !== 1) throw new StaleFencingTokenError(`claimFence: token ${token} is stale for ${name}`, token);
}
