import { randomFillSync } from 'node:crypto';

/** Time-ordered ids for dead letters (UUID version 7), so new rows append to the id index. */

/** Random bytes drawn from the OS in blocks: one syscall per 409 ids instead of one per id. */
const randomPool = Buffer.alloc(4_096);
let randomOffset = randomPool.length;
function randomHex10(): string {
  if (randomOffset + 10 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + 10);
  randomOffset += 10;
  return hex;
}

/**
 * A UUID version 7: 48 bits of milliseconds, then 74 random bits. Ids made later sort later, so
 * new rows land at the end of the unique index instead of on random pages (which, with a synced
 * commit, made batched writes several times slower).
 */
export function timeOrderedId(nowMs: number): string {
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0').slice(-12);
  const random = randomHex10();
  const variant = (8 | (parseInt(random[3] ?? '0', 16) & 3)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(0, 3)}-${variant}${random.slice(4, 7)}-${random.slice(7, 19)}`;
}
