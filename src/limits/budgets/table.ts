/**
 * A budget table declares an exchange's limits as data: the budgets (limit per window) and what
 * each endpoint costs in each budget, per call and per parameter. Tables are plain objects, so
 * users override them with `extendTable` instead of subclassing anything.
 */
import { checkInteger, checkNonEmptyString, checkNumber, checkObject, checkOneOf } from '../../core/option-checks.js';

/** Priority lanes, first to last: cancels and risk-reducing orders, new orders, market data. */
export type Lane = 'urgent' | 'orders' | 'data';

/** Lanes in priority order; lower index goes first. */
export const LANES: readonly Lane[] = ['urgent', 'orders', 'data'];

export interface RateBudgetDefinition {
  /** Name used in endpoint costs and events, e.g. 'REQUEST_WEIGHT'. */
  id: string;
  /** Units the exchange admits per window. */
  limit: number;
  /** Window length; windows are aligned to the epoch, as exchanges count them (a minute, 10 s, a UTC day). */
  windowMs: number;
  /** Response header with the exchange's own count for the current window (case-insensitive). */
  header?: string;
  /** Units charged on every call on top of the endpoint's costs (e.g. a raw request count). */
  perCall?: number;
}

/** Call parameters as sent to the exchange. */
export type Params = Readonly<Record<string, unknown>>;

/**
 * A cost that depends on one parameter: the first step whose `upTo` is >= the parameter's value
 * gives the cost; a value above the last step costs the last step's cost. A number (or numeric
 * string) is its own value, an array (or JSON array string) counts its items, any other string
 * counts as 1. A missing parameter costs `absent` (default: the last, most expensive step).
 */
export interface StepCost {
  param: string;
  steps: ReadonlyArray<readonly [upTo: number, cost: number]>;
  absent?: number;
}

/** A fixed cost, a cost that steps with one parameter, or any function of the parameters. */
export type Cost = number | StepCost | ((params: Params) => number);

export interface EndpointRule {
  /** Budget id to cost; budgets not named cost nothing (apart from their `perCall`). */
  costs: Readonly<Record<string, Cost>>;
  /** The lane a call to this endpoint takes unless the caller names one. */
  lane?: Lane;
}

export interface RateBudgetTable {
  /** Names the table; the default budget group in a shared store. */
  name: string;
  budgets: readonly RateBudgetDefinition[];
  /** Keyed by endpoint, conventionally 'METHOD /path'. */
  endpoints: Readonly<Record<string, EndpointRule>>;
  /** Rule for endpoints not in the table; without one an unknown endpoint is a TypeError. */
  fallback?: EndpointRule;
}

/** Overrides for `extendTable`: budgets are matched by id and merged; endpoint rules replace. */
export interface TableOverrides {
  name?: string;
  budgets?: ReadonlyArray<Partial<RateBudgetDefinition> & { id: string }>;
  endpoints?: Readonly<Record<string, EndpointRule>>;
  fallback?: EndpointRule;
}

/** A copy of `base` with `overrides` applied, validated. */
export function extendTable(base: RateBudgetTable, overrides: TableOverrides): RateBudgetTable {
  const budgets = base.budgets.map((b) => ({ ...b }));
  for (const patch of overrides.budgets ?? []) {
    const at = budgets.findIndex((b) => b.id === patch.id);
    if (at >= 0) budgets[at] = { ...budgets[at], ...patch } as RateBudgetDefinition;
    else budgets.push(patch as RateBudgetDefinition);
  }
  const table: RateBudgetTable = {
    name: overrides.name ?? base.name,
    budgets,
    endpoints: { ...base.endpoints, ...overrides.endpoints },
    fallback: overrides.fallback ?? base.fallback,
  };
  return validateTable(table);
}

function fail(table: string, what: string): never {
  throw new RangeError(`budget table "${table}": ${what}`);
}

function validateCost(table: string, where: string, cost: Cost): void {
  const component = `budget table "${table}"`;
  if (typeof cost === 'function') return;
  if (typeof cost === 'number') {
    checkNumber(component, where, cost, 0);
    return;
  }
  if (typeof cost !== 'object' || cost === null || typeof cost.param !== 'string' || !Array.isArray(cost.steps) || cost.steps.length === 0) {
    fail(table, `${where} must be a number, a function or { param, steps: [[upTo, cost], ...] } with at least one step`);
  }
  let previous = -Infinity;
  for (const [i, [upTo, value]] of cost.steps.entries()) {
    if (!(upTo > previous)) fail(table, `${where}.steps must have increasing upTo values, got ${upTo} after ${previous}`);
    checkNumber(component, `${where}.steps[${i}] cost`, value, 0);
    previous = upTo;
  }
  if (cost.absent !== undefined) checkNumber(component, `${where}.absent`, cost.absent, 0);
}

function validateRule(table: RateBudgetTable, where: string, rule: EndpointRule, ids: Set<string>): void {
  if (typeof rule !== 'object' || rule === null || typeof rule.costs !== 'object' || rule.costs === null) {
    fail(table.name, `${where} must be { costs: { budgetId: cost } }`);
  }
  for (const [id, cost] of Object.entries(rule.costs)) {
    if (!ids.has(id)) fail(table.name, `${where} charges unknown budget "${id}" (budgets: ${[...ids].join(', ')})`);
    validateCost(table.name, `${where}.costs["${id}"]`, cost);
  }
  if (rule.lane !== undefined) checkOneOf(`budget table "${table.name}"`, `${where}.lane`, rule.lane, LANES);
}

/** Checks a table and returns it; throws a RangeError naming the faulty entry. */
export function validateTable(table: RateBudgetTable): RateBudgetTable {
  checkObject('budget table', 'table', table);
  checkNonEmptyString('budget table', 'name', table.name);
  if (!Array.isArray(table.budgets) || table.budgets.length === 0) fail(table.name, 'budgets must list at least one budget');
  const ids = new Set<string>();
  for (const b of table.budgets) {
    if (typeof b.id !== 'string' || b.id === '') fail(table.name, 'every budget needs a non-empty string id');
    if (ids.has(b.id)) fail(table.name, `budget id "${b.id}" appears twice`);
    ids.add(b.id);
    const component = `budget table "${table.name}"`;
    checkNumber(component, `budgets["${b.id}"].limit`, b.limit, 0, Infinity, true);
    checkInteger(component, `budgets["${b.id}"].windowMs`, b.windowMs, 1);
    if (b.perCall !== undefined) checkNumber(component, `budgets["${b.id}"].perCall`, b.perCall, 0);
  }
  for (const [endpoint, rule] of Object.entries(table.endpoints)) validateRule(table, `endpoints["${endpoint}"]`, rule, ids);
  if (table.fallback) validateRule(table, 'fallback', table.fallback, ids);
  return table;
}

/** The numeric value a step cost compares: a number, an item count, or undefined when absent. */
function paramValue(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'string') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
    if (value.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) return parsed.length;
      } catch {
        // not JSON: a single item
      }
    }
    return 1;
  }
  return 1;
}

/** What `cost` comes to for one call with `params`. */
export function evaluateCost(cost: Cost, params: Params): number {
  if (typeof cost === 'number') return cost;
  if (typeof cost === 'function') {
    const value = cost(params);
    // A cost function is the caller's code: what it returned is checked like a cost in the table.
    checkNumber('budget cost function', 'the returned cost', value, 0);
    return value;
  }
  const last = cost.steps[cost.steps.length - 1] as readonly [number, number];
  const value = paramValue(params[cost.param]);
  if (value === undefined) return cost.absent ?? last[1];
  for (const [upTo, stepCost] of cost.steps) if (value <= upTo) return stepCost;
  return last[1];
}

/** The rule for `endpoint`, or a TypeError when the table has neither it nor a fallback. */
export function ruleFor(table: RateBudgetTable, endpoint: string): EndpointRule {
  const rule = Object.hasOwn(table.endpoints, endpoint) ? table.endpoints[endpoint] : table.fallback;
  if (!rule) throw new TypeError(`budget table "${table.name}" has no rule for endpoint "${endpoint}" and no fallback`);
  return rule;
}

/** Cost per budget id of one call (budgets that cost 0 are left out). */
export function costsOf(table: RateBudgetTable, endpoint: string, params: Params = {}): Record<string, number> {
  const rule = ruleFor(table, endpoint);
  const costs: Record<string, number> = {};
  for (const b of table.budgets) {
    const own = rule.costs[b.id];
    const total = (own === undefined ? 0 : evaluateCost(own, params)) + (b.perCall ?? 0);
    if (total > 0) costs[b.id] = total;
  }
  return costs;
}
