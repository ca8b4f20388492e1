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
 * The last id's millisecond and its 12-bit counter (RFC 9562 section 6.2, method 1, in the
 * rand_a field): ids made in one millisecond, or after the clock stepped back, still sort in the
 * order they were made. Shared by the process, so two queues' ids interleave in order too.
 */
let lastMs = -1;
let counter = 0;
const COUNTER_MAX = 0xfff;
/** A new millisecond's counter starts at random in the lower half: at least 2 048 more ids fit in it. */
const COUNTER_START_MASK = 0x7ff;

/**
 * A UUID version 7: 48 bits of milliseconds, a 12-bit counter, then 62 random bits. Ids made later
 * sort later, ids made in one millisecond too, so new rows land at the end of the unique index
 * instead of on random pages (which, with a synced commit, made batched writes several times
 * slower). Past 4 096 ids in one millisecond the next ids take the following millisecond, as the
 * RFC allows; a clock that steps back keeps the last millisecond until it catches up.
 */
export function timeOrderedId(nowMs: number): string {
  const random = randomHex10();
  const ms = Math.max(0, Math.floor(nowMs));
  if (ms > lastMs) {
    lastMs = ms;
    counter = parseInt(random.slice(0, 3), 16) & COUNTER_START_MASK;
  } else if (counter < COUNTER_MAX) {
    counter++;
  } else {
    lastMs++;
    counter = parseInt(random.slice(0, 3), 16) & COUNTER_START_MASK;
  }
  const time = lastMs.toString(16).padStart(12, '0').slice(-12);
  const variant = (8 | (parseInt(random[3] ?? '0', 16) & 3)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${counter.toString(16).padStart(3, '0')}-${variant}${random.slice(4, 7)}-${random.slice(7, 19)}`;
}
