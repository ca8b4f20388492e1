/**
 * The small breaker that guards the cache's Redis calls: after `failureThreshold` consecutive
 * failures it opens for `openMs`; then one probe decides whether it closes again.
 */
import type { Clock } from '../core/clock.js';

export type GuardState = 'closed' | 'open' | 'half-open';

export class FailureGuard {
  private failures = 0;
  private openedAt = 0;
  private current: GuardState = 'closed';

  constructor(
    private readonly clock: Clock,
    private readonly failureThreshold: number,
    private readonly openMs: number,
  ) {}

  get state(): GuardState {
    return this.current;
  }

  /** True when a call may go to Redis now. Moves open -> half-open once openMs has passed (the caller then probes). */
  permits(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.openMs) {
      this.current = 'half-open';
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.current = 'closed';
  }

  /** Records a failure; returns true when this failure opened the guard. */
  failure(): boolean {
    this.failures++;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.failureThreshold)) {
      this.current = 'open';
      this.openedAt = this.clock.now();
      return true;
    }
    return false;
  }
}
