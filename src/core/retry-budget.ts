/**
 * A budget that caps retries as a share of requests, so a struggling dependency is not
 * hammered by every client's retries at once. Implemented in `limits/`, consumed by `retry`.
 */
export interface RetryBudget {
  /** Records one first attempt (a request). */
  recordRequest(): void;
  /** Takes one retry from the budget; false when retries are spent. */
  tryRetry(): boolean;
}
