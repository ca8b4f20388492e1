/**
 * `bulwark`: the library surface (core, policies, limits). Importing it starts no server,
 * opens no database and touches no network.
 */
export * from './core/index.js';
export * from './policies/index.js';
export * from './limits/index.js';
export * from './limits/budgets/index.js';
export * from './limits/adaptive/index.js';
export { retryBudget, RollingRetryBudget, RETRY_BUDGET_DEFAULTS, type RetryBudgetOptions, type RetryBudgetSettings } from './limits/retry-budget.js';
