import type { Clock } from '../core/clock.js';
import type { StorageLogger } from './types.js';

/** Counts statements, errors, slow statements and transaction outcomes for `stats()`. */
export class QueryMeter {
  queries = 0;
  errors = 0;
  slowQueries = 0;
  commits = 0;
  rollbacks = 0;

  constructor(
    private readonly clock: Clock,
    private readonly slowQueryMs: number,
    private readonly logger: StorageLogger,
  ) {}

  /** Records one finished statement that started at `startedAt`; logs it when it was slow. */
  record(sql: string, startedAt: number, failed: boolean): void {
    this.queries++;
    if (failed) this.errors++;
    const ms = this.clock.now() - startedAt;
    if (ms >= this.slowQueryMs) {
      this.slowQueries++;
      this.logger.warn('slow query', { ms, sql: sql.length > 500 ? `${sql.slice(0, 500)}...` : sql });
    }
  }

  start(): number {
    return this.clock.now();
  }
}

/** The default logger: one line on stderr per warning. */
export const consoleLogger: StorageLogger = {
  warn(message, details) {
    console.warn(`[bulwark storage] ${message}${details ? ` ${JSON.stringify(details)}` : ''}`);
  },
};
