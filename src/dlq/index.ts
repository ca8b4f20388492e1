export {
  deadLetters,
  DEAD_LETTERS_DEFAULTS,
  defaultReplayPolicy,
  type DeadLetter,
  type DeadLetterStatus,
  type AddDeadLetter,
  type DeadLetterFilter,
  type DeadLetterQueue,
  type DeadLettersOptions,
  type ReplayHandler,
  type ReplayContext,
  type ReplayOptions,
  type ReplayProgress,
  type ReplayResult,
} from './dead-letters.js';
export { describeError } from './letter-rows.js';
export { timeOrderedId } from './time-ordered-id.js';
export { DeadLetterQueueFullError } from './errors.js';
export { deadLetterQueues, type DeadLetterQueueSummary } from './queues.js';
