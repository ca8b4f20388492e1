import { ResilienceError } from '../core/errors.js';

/** The queue holds `maxSize` pending letters: replay or purge before adding more. */
export class DeadLetterQueueFullError extends ResilienceError {
  declare readonly code: 'DLQ_FULL';
  readonly queue: string;
  readonly maxSize: number;
  constructor(queue: string, maxSize: number, size: number) {
    super('DLQ_FULL', `Dead-letter queue "${queue}" is full (${size} of maxSize ${maxSize} pending); replay or purge letters before adding more`);
    this.queue = queue;
    this.maxSize = maxSize;
  }
}
