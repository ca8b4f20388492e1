export {
  deadLetters,
  deadLettersDefaults,
  defaultReplayPolicy,
  describeError,
  timeOrderedId,
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
export { DeadLetterQueueFullError } from './errors.js';
