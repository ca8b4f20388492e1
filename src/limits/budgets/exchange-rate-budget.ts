import { type CancelTimer, type Clock, setTimerOn } from '../../core/clock.js';
import { RateLimitedError, abortedFrom } from '../../core/errors.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import { deadlinesOf } from '../../core/timers.js';
import { checkNonEmptyString, checkNumber } from '../../core/option-checks.js';
import { type ResponseHeaders, headerCount, parseRetryAfter } from './feedback.js';
import { type BudgetWaiter, FREEZE, LaneQueue, blocks, laneRank } from './lane-queue.js';
import { memoryRateBudgetStore } from './memory-store.js';
import type { RateBudgetStore, ChargeLine, ChargeOutcome, FreezeState } from './store.js';
import { type RateBudgetTable, type Lane, type Params, costsOf, ruleFor, validateTable } from './table.js';
import { withDefaults } from '../../core/options.js';
import {
  type RateBudgetDecision,
  type ChargeOptions,
  type ChargeReceipt,
  type ExchangeRateBudgetEvents,
  type ExchangeRateBudgetOptions,
  EXCHANGE_RATE_BUDGET_DEFAULTS,
} from './options.js';

export {
  type RateBudgetDecision,
  type ChargeOptions,
  type ChargeReceipt,
  type ExchangeRateBudgetEvents,
  type ExchangeRateBudgetOptions,
  EXCHANGE_RATE_BUDGET_DEFAULTS,
} from './options.js';

interface Plan {
  lane: Lane;
  costs: Readonly<Record<string, number>>;
  lines: readonly ChargeLine[];
}

/**
 * Exchange weight budgets: every call is charged against all the budgets its endpoint counts
 * towards (request weight per IP, orders per 10 s and per day per account, ...) in one atomic
 * step, waits in priority lanes when they are spent, and learns from the exchange's answers:
 * count headers correct the local counts, and a 429 or 418 freezes the whole group, for every
 * process that shares the store.
 */
export class ExchangeRateBudget implements EventSource<ExchangeRateBudgetEvents> {
  readonly table: RateBudgetTable;
  readonly group: string;
  private readonly store: RateBudgetStore;
  private readonly clock: Clock;
  private readonly reservedShare: number;
  private readonly maxWaitMs: number;
  private readonly throttledFreezeMs: number;
  private readonly bannedFreezeMs: number;
  private readonly events = new Emitter<ExchangeRateBudgetEvents>();
  private readonly queue = new LaneQueue();
  private seq = 0;
  /** The pass in progress, if any; it runs again when asked during it. */
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private timer: { at: number; cancel: CancelTimer } | undefined;
  private readonly plans = new Map<string, Plan>();

  constructor(options: ExchangeRateBudgetOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('exchangeRateBudget: options with a table are required');
    const o = withDefaults(EXCHANGE_RATE_BUDGET_DEFAULTS, options);
    this.table = validateTable(o.table);
    this.group = o.group ?? this.table.name;
    checkNonEmptyString('exchangeRateBudget', 'group', this.group);
    checkNumber('exchangeRateBudget', 'reservedShare', o.reservedShare, 0, 1);
    if (o.reservedShare >= 1) throw new RangeError(`exchangeRateBudget: reservedShare must be < 1 so other lanes can run, got ${o.reservedShare}`);
    checkNumber('exchangeRateBudget', 'maxWaitMs', o.maxWaitMs, 0);
    checkNumber('exchangeRateBudget', 'throttledFreezeMs', o.throttledFreezeMs, 0);
    checkNumber('exchangeRateBudget', 'bannedFreezeMs', o.bannedFreezeMs, 0);
    this.clock = o.clock;
    this.store = o.store ?? memoryRateBudgetStore({ clock: o.clock });
    this.reservedShare = o.reservedShare;
    this.maxWaitMs = o.maxWaitMs;
    this.throttledFreezeMs = o.throttledFreezeMs;
    this.bannedFreezeMs = o.bannedFreezeMs;
  }

  on<K extends keyof ExchangeRateBudgetEvents & string>(name: K, listener: Listener<ExchangeRateBudgetEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Calls waiting for room. */
  get waiting(): number {
    return this.queue.size;
  }

  /** Units one call costs per budget id (whole units, rounded up). */
  costOf(endpoint: string, params: Params = {}): Record<string, number> {
    const costs = costsOf(this.table, endpoint, params);
    for (const id of Object.keys(costs)) costs[id] = Math.ceil(costs[id] ?? 0);
    return costs;
  }

  /** The lane a call takes: the caller's, else the endpoint's, else 'data'. */
  private laneFor(endpoint: string, lane: Lane | undefined): Lane {
    return lane ?? ruleFor(this.table, endpoint).lane ?? 'data';
  }

  /**
   * What a call charges: its lane, its costs and the store lines. Endpoints whose costs do not
   * depend on parameters are worked out once and cached (the table is fixed once validated).
   */
  private plan(endpoint: string, params: Params, laneOption: Lane | undefined): Plan {
    const key = `${laneOption ?? ''}\u0000${endpoint}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const lane = this.laneFor(endpoint, laneOption);
    const costs = this.costOf(endpoint, params);
    const plan: Plan = { lane, costs: Object.freeze(costs), lines: this.linesFor(endpoint, costs, lane) };
    const rule = ruleFor(this.table, endpoint);
    if (Object.values(rule.costs).every((cost) => typeof cost === 'number') && this.plans.size < 10_000) this.plans.set(key, plan);
    return plan;
  }

  private linesFor(endpoint: string, costs: Record<string, number>, lane: Lane): ChargeLine[] {
    const rank = laneRank(lane);
    const lines: ChargeLine[] = [];
    for (const budget of this.table.budgets) {
      const cost = costs[budget.id];
      if (cost === undefined) continue;
      const ceiling = rank === 0 ? budget.limit : Math.floor(budget.limit * (1 - this.reservedShare));
      if (cost > ceiling) {
        throw new RangeError(`exchangeRateBudget: ${endpoint} costs ${cost} ${budget.id}, more than lane '${lane}' may use in one window (${ceiling} of ${budget.limit})`);
      }
      lines.push({ budget: budget.id, cost, ceiling, windowMs: budget.windowMs });
    }
    return lines;
  }

  /** Decides now, without waiting or queueing: charges every budget if all fit. */
  async tryCharge(endpoint: string, params: Params = {}, options: { lane?: Lane } = {}): Promise<RateBudgetDecision> {
    const { lane, costs, lines } = this.plan(endpoint, params, options.lane);
    if (lines.length === 0) return { allowed: true, retryAfterMs: 0, costs };
    if (this.queue.contends(laneRank(lane), lines)) {
      return { allowed: false, retryAfterMs: this.queuedAheadMs(laneRank(lane), lines), blockedBy: 'queue', costs };
    }
    const outcome = await this.store.charge(this.group, lines);
    if (outcome.ok) this.events.emit('charged', { endpoint, lane, costs, waitedMs: 0 });
    return outcome.ok ? { allowed: true, retryAfterMs: 0, costs } : { allowed: false, retryAfterMs: outcome.retryAfterMs, blockedBy: outcome.blockedBy ?? FREEZE, costs };
  }

  /**
   * Charges one call to `endpoint` against every budget it counts towards, all or none. When
   * they do not all fit it waits in its lane until they do, up to `maxWaitMs`, then rejects with
   * RateLimitedError; it rejects at once when the wait would be longer anyway (a freeze, a spent
   * daily budget). Aborting `signal` rejects with AbortedError.
   */
  async charge(endpoint: string, params: Params = {}, options: ChargeOptions = {}): Promise<ChargeReceipt> {
    const { lane, costs, lines } = this.plan(endpoint, params, options.lane);
    const maxWaitMs = options.maxWaitMs ?? this.maxWaitMs;
    checkNumber('exchangeRateBudget.charge', 'maxWaitMs', maxWaitMs, 0);
    const signal = options.signal;
    if (signal?.aborted) throw abortedFrom(signal);
    const start = this.clock.now();
    const receipt = (): ChargeReceipt => {
      const waitedMs = this.clock.now() - start;
      this.events.emit('charged', { endpoint, lane, costs, waitedMs });
      return { endpoint, lane, costs, waitedMs };
    };
    if (lines.length === 0) return receipt();
    const rank = laneRank(lane);
    let retryAt = start;
    let blockedOn: ReadonlySet<string> | undefined;
    if (!this.queue.contends(rank, lines)) {
      const outcome = await this.store.charge(this.group, lines);
      if (outcome.ok) return receipt();
      if (signal?.aborted) throw abortedFrom(signal);
      if (outcome.retryAfterMs > maxWaitMs - (this.clock.now() - start)) throw this.limited(endpoint, lane, outcome);
      retryAt = this.clock.now() + outcome.retryAfterMs;
      blockedOn = new Set([outcome.blockedBy ?? FREEZE]);
    } else if (maxWaitMs === 0) {
      throw this.limited(endpoint, lane, { ok: false, retryAfterMs: this.queuedAheadMs(rank, lines), blockedBy: 'queue', used: [] });
    }
    blockedOn ??= new Set(lines.map((l) => l.budget));
    await this.wait(endpoint, lane, rank, lines, retryAt, blockedOn, start + maxWaitMs, signal);
    return receipt();
  }

  /** ms until the first waiter ahead of a newcomer on these budgets is due to try again. */
  private queuedAheadMs(rank: number, lines: readonly ChargeLine[]): number {
    const ahead = this.queue.ordered().find((w) => w.rank <= rank && blocks(w.blockedOn, lines));
    return Math.max(0, (ahead?.retryAt ?? 0) - this.clock.now());
  }

  private limited(endpoint: string, lane: Lane, outcome: ChargeOutcome): RateLimitedError {
    const blockedBy = outcome.blockedBy ?? FREEZE;
    this.events.emit('rejected', { reason: 'limited', endpoint, lane, blockedBy, retryAfterMs: outcome.retryAfterMs });
    const why =
      blockedBy === FREEZE
        ? `"${this.group}" is frozen after HTTP ${outcome.frozenBy ?? '429/418'}`
        : blockedBy === 'queue'
          ? `calls of higher or equal priority are waiting in "${this.group}"`
          : `budget ${blockedBy} of "${this.group}" is spent`;
    return new RateLimitedError(outcome.retryAfterMs, `${endpoint} (lane '${lane}'): ${why}; retry after ${Math.ceil(outcome.retryAfterMs)} ms`);
  }

  private wait(
    endpoint: string,
    lane: Lane,
    rank: number,
    lines: readonly ChargeLine[],
    retryAt: number,
    blockedOn: ReadonlySet<string>,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => waiter.settle({ ok: false, error: abortedFrom(signal as AbortSignal) });
      const giveUp = (): void => {
        if (!this.queue.has(waiter)) return;
        const retryAfter = Math.max(0, waiter.retryAt - this.clock.now());
        const blockedBy = [...waiter.blockedOn].join('+');
        waiter.settle({ ok: false, error: this.limited(endpoint, lane, { ok: false, retryAfterMs: retryAfter, blockedBy, used: [] }) });
      };
      // Room that frees up exactly at the deadline still counts: let a pass run first, then give up.
      const timeout = deadlinesOf(this.clock).add(deadline - this.clock.now(), () => void this.pump().then(giveUp));
      const waiter: BudgetWaiter = {
        endpoint,
        lane,
        rank,
        seq: this.seq++,
        lines,
        blockedOn,
        retryAt,
        deadline,
        settle: (result) => {
          const wasWaiting = this.queue.remove(waiter);
          timeout.cancel();
          signal?.removeEventListener('abort', onAbort);
          if (result.ok) resolve();
          else reject(result.error);
          // A waiter that left without being served may have held others back.
          if (wasWaiting && !result.ok) void this.pump();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.add(waiter);
      void this.pump();
    });
  }

  /**
   * Serves waiters in lane order. A waiter that cannot be served yet blocks the budgets it waits
   * for, so no later waiter overtakes it there. Runs one pass at a time; a request for another
   * pass during one is remembered. A waiter that aborts while its charge is in flight may still
   * be charged: the count errs towards too high, never too low.
   */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = this.passes().finally(() => {
      this.pumping = undefined;
      this.arm();
    });
    return this.pumping;
  }

  private async passes(): Promise<void> {
    do {
      this.pumpAgain = false;
      const blocked = new Set<string>();
      for (const waiter of this.queue.ordered()) {
        if (!this.queue.has(waiter) || blocks(blocked, waiter.lines)) continue;
        if (waiter.retryAt > this.clock.now()) {
          for (const id of waiter.blockedOn) blocked.add(id);
          continue;
        }
        let outcome: ChargeOutcome;
        try {
          outcome = await this.store.charge(this.group, waiter.lines);
        } catch (error) {
          waiter.settle({ ok: false, error });
          continue;
        }
        if (!this.queue.has(waiter)) continue; // it aborted or timed out while the charge was in flight
        if (outcome.ok) {
          waiter.settle({ ok: true });
          continue;
        }
        const now = this.clock.now();
        waiter.retryAt = now + outcome.retryAfterMs;
        waiter.blockedOn = new Set([outcome.blockedBy ?? FREEZE]);
        if (waiter.retryAt > waiter.deadline) {
          waiter.settle({ ok: false, error: this.limited(waiter.endpoint, waiter.lane, outcome) });
          continue;
        }
        for (const id of waiter.blockedOn) blocked.add(id);
      }
    } while (this.pumpAgain);
  }

  /**
   * Sets the one timer for the earliest retry among the waiters. A waiter whose retry time has
   * passed is held back by one ahead of it, whose own retry time (in the future) is the one to wait for.
   */
  private arm(): void {
    const now = this.clock.now();
    let earliest = Infinity;
    for (const waiter of this.queue.ordered()) if (waiter.retryAt > now) earliest = Math.min(earliest, waiter.retryAt);
    if (this.timer && this.timer.at === earliest) return;
    this.timer?.cancel();
    this.timer = undefined;
    if (earliest === Infinity) return;
    const cancel = setTimerOn(this.clock, earliest - now, () => {
      this.timer = undefined;
      void this.pump();
    });
    this.timer = { at: earliest, cancel };
  }

  /**
   * Learns from the exchange's answer to a call: count headers named in the table raise the
   * local counts to the exchange's (never lower them: calls still in flight are not in the
   * header yet), a 429 freezes the group until Retry-After (default `throttledFreezeMs`), a 418
   * until the ban ends (Retry-After, default `bannedFreezeMs`). The freeze is kept in the store,
   * so every process sharing it stops.
   */
  async observeResponse(endpoint: string, status: number, headers?: ResponseHeaders): Promise<void> {
    const updates: Array<Promise<void>> = [];
    for (const budget of this.table.budgets) {
      if (!budget.header) continue;
      const observed = headerCount(headers, budget.header);
      if (observed === undefined) continue;
      updates.push(
        this.store.correct(this.group, budget.id, budget.windowMs, observed).then((used) => {
          this.events.emit('corrected', { endpoint, budget: budget.id, observed, used });
        }),
      );
    }
    if (status === 429 || status === 418) {
      const forMs = parseRetryAfter(headers, this.clock.now()) ?? (status === 418 ? this.bannedFreezeMs : this.throttledFreezeMs);
      updates.push(
        this.store.freeze(this.group, forMs, status).then(() => {
          this.events.emit('frozen', { endpoint, status, forMs });
        }),
      );
    }
    await Promise.all(updates);
  }

  /** The group's freeze, if one is in force (seen by every process sharing the store). */
  frozen(): Promise<FreezeState | undefined> {
    return this.store.frozen(this.group);
  }

  /** A budget's count in the current window. */
  used(budgetId: string): Promise<number> {
    const budget = this.table.budgets.find((b) => b.id === budgetId);
    if (!budget) throw new RangeError(`exchangeRateBudget: no budget "${budgetId}" in table "${this.table.name}"`);
    return this.store.used(this.group, budget.id, budget.windowMs);
  }
}

/** Exchange weight budgets over `table`; see `ExchangeRateBudgetOptions`. */
export function exchangeRateBudget(options: ExchangeRateBudgetOptions): ExchangeRateBudget {
  return new ExchangeRateBudget(options);
}
