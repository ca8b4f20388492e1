/**
 * regionLease(): two (or more) deployments, "regions", in active-passive: the one holding the lease
 * trades, the others keep their gates reducing (no new exposure, reduce-only orders pass) until
 * they hold it. The lease is a row in the database the regions share (storage/repos/region-leases.ts):
 * holder, a fencing epoch and an expiry on the database's clock.
 *
 *            acquire ok                 renewal ok (sent at s: may trade until s + ttl - margin)
 *   unknown ───────────▶ active ◀───────────────────────────────────┐
 *      │  ▲                │ │ │                                    │
 *      │  │ store silent   │ │ └── deadline passed (no renewal) ──▶ unknown ── renewal ok ──┘
 *      │  └────────────────┘ └── held by another / release ──▶ passive ── acquire ok ──▶ active
 *      └── held by another ──▶ passive
 *
 * No window in which two regions trade. The holder may admit new exposure until
 * `sentAt + ttlMs - safetyMarginMs` on its own clock, where `sentAt` is when it SENT the last
 * request the store confirmed: the store set the expiry to (its time when it ran the statement)
 * + ttl, and it ran it after `sentAt`. Another region acquires only once the store's clock has
 * passed that expiry. So, as long as the holder's clock does not run slower than the store's by
 * more than `safetyMarginMs` over a ttl, the holder's right ends before the other's begins, whatever
 * the delays of the network (a late reply only shortens the holder's right). Every condition is
 * raised on the gate before the role change is told, and a planned release stops new exposure
 * before it frees the lease. The argument in full: docs/failover.md, "Regions".
 */
import { type CancelTimer, setTimerOn } from '../core/clock.js';
import { messageOf } from '../core/errors.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import type { LeaseRecord, LeaseReply } from '../storage/repos/region-leases.js';
import { type RegionLeaseOptions, type ResolvedRegionLeaseOptions, resolveRegionLeaseOptions } from './region-lease-options.js';

/** active: holds the lease and may trade; passive: another holds it (or it is free and not yet taken); unknown: not confirmed either way. */
export type RegionRole = 'active' | 'passive' | 'unknown';

/** Why a region's role changed (kebab-case). */
export type RegionChangeReason =
  /** The region took the lease (a new epoch). */
  | 'acquired'
  /** A follower found its region holding the lease: it trades on the lease's grant. */
  | 'following'
  /** A renewal was confirmed again after the region had stopped (renewal-overdue, reply-too-late). */
  | 'renewed'
  /** Another region holds the lease, or it is free and this region has not taken it yet. */
  | 'held-elsewhere'
  /** A renewal found the lease gone (expired in the store, or taken). */
  | 'lease-lost'
  /** No renewal was confirmed in time: new exposure stops before the lease can end. */
  | 'renewal-overdue'
  /** The store confirmed the lease too late to trade on it. */
  | 'reply-too-late'
  /** The store does not answer and the region does not hold the lease. */
  | 'store-unreachable'
  /** An operator (or a planned switchover) gave the lease up. */
  | 'released'
  /** The lease stopped (the service is stopping). */
  | 'stopped';

export interface RegionChange {
  region: string;
  from: RegionRole;
  to: RegionRole;
  reason: RegionChangeReason;
  detail: string;
  /** The lease's holder as last read (null when none). */
  holder: string | null;
  /** The lease's epoch as last read (the fencing token of its holder). */
  epoch: number | null;
  /** Who asked, for a release. */
  actor?: string;
  at: number;
}

export interface RegionLeaseEvents {
  stateChange: RegionChange;
  /** A request to the store failed or timed out; the lease goes on asking. */
  error: { error: unknown; at: number };
}

/** What `GET /api/region` shows and the dashboard reads. */
export interface RegionStatus {
  region: string;
  lease: string;
  role: RegionRole;
  reason: RegionChangeReason | 'starting';
  /** When the role last changed (this process's clock). */
  since: number;
  /** The lease's holder as last read (null: none, or not read yet). */
  holder: string | null;
  /** The lease's epoch as last read: the fencing token of its holder. */
  epoch: number | null;
  /** When the lease ends on the store's clock (ms since the epoch), as last read. */
  expiresAt: number | null;
  /** Until when this region may admit new exposure (this process's clock), while active. */
  tradeUntil: number | null;
  ttlMs: number;
  renewMs: number;
  safetyMarginMs: number;
  /** The latest role changes, oldest first. */
  history: RegionChange[];
}

/** What a release did. */
export interface RegionReleaseResult {
  /** True when this region held the lease and has given it up (new exposure stopped first). */
  released: boolean;
  /** The epoch given up. */
  epoch: number | null;
  /** True when the store confirmed the release; false: it could not be reached, and the lease ends at its expiry. */
  freed: boolean;
  message: string;
}

export class RegionLease implements EventSource<RegionLeaseEvents> {
  readonly region: string;
  readonly lease: string;
  private readonly o: ResolvedRegionLeaseOptions;
  private readonly events = new Emitter<RegionLeaseEvents>();
  private readonly changes: RegionChange[] = [];
  private role: RegionRole = 'unknown';
  private reason: RegionStatus['reason'] = 'starting';
  private since: number;
  /** The epoch this region holds (or held, unconfirmed, after its deadline passed). */
  private heldEpoch: number | undefined;
  private tradeUntil: number | undefined;
  private last: LeaseRecord | null = null;
  private running = false;
  private busy = false;
  /** Bumped to abandon a request in flight: its answer is ignored. */
  private seq = 0;
  private holdOffUntil = -Infinity;
  private cancelTick: CancelTimer | undefined;
  private cancelDeadline: CancelTimer | undefined;

  constructor(options: RegionLeaseOptions) {
    this.o = resolveRegionLeaseOptions(options);
    this.region = this.o.region;
    this.lease = this.o.lease;
    this.since = this.o.clock.now();
    // Nothing trades before the lease is confirmed.
    this.applyGate('not confirmed yet: no new exposure until this region holds the lease');
  }

  on<K extends keyof RegionLeaseEvents & string>(name: K, listener: Listener<RegionLeaseEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** True while this region holds the lease and its right to trade has not run out. */
  get active(): boolean {
    return this.role === 'active';
  }

  /** The fencing epoch while active (for guarded writes), else undefined. */
  get epoch(): number | undefined {
    return this.role === 'active' ? this.heldEpoch : undefined;
  }

  /** Starts contending (the first request goes out at once); idempotent. */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.tick();
    return this;
  }

  status(): RegionStatus {
    return {
      region: this.region,
      lease: this.lease,
      role: this.role,
      reason: this.reason,
      since: this.since,
      holder: this.last?.holder ?? null,
      epoch: this.last?.epoch ?? null,
      expiresAt: this.last?.expiresAtMs ?? null,
      tradeUntil: this.role === 'active' ? (this.tradeUntil ?? null) : null,
      ttlMs: this.o.ttlMs,
      renewMs: this.o.renewMs,
      safetyMarginMs: this.o.safetyMarginMs,
      history: this.history(),
    };
  }

  /** Role changes, oldest first. */
  history(): RegionChange[] {
    return this.changes.map((c) => ({ ...c }));
  }

  /**
   * Planned switchover: stops new exposure (the gate condition is raised first), then frees the
   * lease in the store so another region takes it at its next attempt; this region does not
   * contend again for `holdOffMs`.
   */
  async release(change: { reason: string; actor?: string }): Promise<RegionReleaseResult> {
    const epoch = this.heldEpoch;
    if (this.o.follow) return { released: false, epoch: null, freed: false, message: `this process follows region ${this.region}'s lease ${this.lease}: the region's holder releases it` };
    if (epoch === undefined) {
      return { released: false, epoch: null, freed: false, message: `region ${this.region} does not hold the lease ${this.lease}${this.last ? ` (held by ${this.last.holder}, epoch ${this.last.epoch})` : ''}` };
    }
    this.drop();
    this.holdOffUntil = this.o.clock.now() + this.o.holdOffMs;
    this.setRole('passive', 'released', `released${change.actor ? ` by ${change.actor}` : ''}: ${change.reason}`, change.actor);
    try {
      this.remember(await this.o.store.release(this.lease, this.region, epoch));
      return { released: true, epoch, freed: true, message: `region ${this.region} stopped new exposure and released lease ${this.lease} (epoch ${epoch}); another region may take it now` };
    } catch (error) {
      this.failed(error);
      return { released: true, epoch, freed: false, message: `region ${this.region} stopped new exposure; the store did not confirm the release (${messageOf(error)}), so the lease ends at its expiry` };
    }
  }

  /** Stops contending; a holder releases the lease (after stopping new exposure). The gate stays reducing. */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.cancelTick?.();
    this.cancelTick = undefined;
    if (this.heldEpoch !== undefined) await this.release({ reason: 'the service is stopping' });
    this.drop();
    if (wasRunning && this.reason !== 'released') this.setRole(this.role === 'active' ? 'passive' : this.role, 'stopped', 'the lease stopped');
  }

  private tick(): void {
    this.cancelTick = undefined;
    if (!this.running) return;
    const clock = this.o.clock;
    this.cancelTick = setTimerOn(clock, this.o.renewMs, () => this.tick());
    // The last request has not answered: the deadline (from the last one confirmed) still holds.
    if (this.busy) return;
    if (this.heldEpoch === undefined && clock.now() < this.holdOffUntil) return;
    this.busy = true;
    const seq = ++this.seq;
    const sentAt = clock.now();
    const epoch = this.heldEpoch;
    const request = this.o.follow
      ? this.o.store.read(this.lease)
      : epoch === undefined
        ? this.o.store.acquire(this.lease, this.region, this.o.ttlMs, this.o.followGrantMs)
        : this.o.store.renew(this.lease, this.region, epoch, this.o.ttlMs);
    const cancelTimeout = setTimerOn(clock, this.o.requestTimeoutMs, () => {
      if (seq !== this.seq) return;
      this.seq += 1;
      this.busy = false;
      this.failed(new Error(`the store did not answer within ${this.o.requestTimeoutMs} ms`));
    });
    request.then(
      (reply) => {
        cancelTimeout();
        if (seq !== this.seq) return; // abandoned: timed out, released or stopped meanwhile
        this.busy = false;
        if (this.o.follow) this.followed(reply, sentAt);
        else this.answered(reply, sentAt, epoch);
      },
      (error: unknown) => {
        cancelTimeout();
        if (seq !== this.seq) return;
        this.busy = false;
        this.failed(error);
      },
    );
  }

  private answered(reply: LeaseReply, sentAt: number, asked: number | undefined): void {
    this.remember(reply);
    const now = this.o.clock.now();
    if (reply.held && reply.lease) {
      this.heldEpoch = reply.lease.epoch;
      const until = sentAt + this.o.ttlMs - this.o.safetyMarginMs;
      if (until <= now) {
        this.setRole('unknown', 'reply-too-late', `the store confirmed epoch ${reply.lease.epoch} ${now - sentAt} ms after the request, past ttl - margin`);
        return;
      }
      this.tradeUntil = until;
      this.cancelDeadline?.();
      this.cancelDeadline = setTimerOn(this.o.clock, until - now, () => this.deadline());
      if (this.role !== 'active') this.setRole('active', asked === undefined ? 'acquired' : 'renewed', `holds lease ${this.lease} (epoch ${reply.lease.epoch}) until ${until - now} ms from now`);
      return;
    }
    const lost = asked !== undefined;
    this.drop();
    const lease = reply.lease;
    const detail =
      lease && lease.expiresAtMs > reply.nowMs
        ? `lease ${this.lease} held by ${lease.holder} (epoch ${lease.epoch}) for ${lease.expiresAtMs - reply.nowMs} ms more`
        : `lease ${this.lease} is free; this region asks again in ${this.o.renewMs} ms`;
    this.setRole('passive', lost ? 'lease-lost' : 'held-elsewhere', detail);
  }

  /**
   * A follower read the lease: while its region holds it (not released), it may trade until the
   * read's send time + min(time left on the lease, the lease's grant) - margin.
   */
  private followed(reply: LeaseReply, sentAt: number): void {
    this.remember(reply);
    const lease = reply.lease;
    const now = this.o.clock.now();
    if (lease && lease.holder === this.region && !lease.released && lease.expiresAtMs > reply.nowMs) {
      const until = sentAt + Math.min(lease.expiresAtMs - reply.nowMs, lease.grantMs) - this.o.safetyMarginMs;
      if (until <= now) {
        this.cancelDeadline?.();
        this.cancelDeadline = undefined;
        this.tradeUntil = undefined;
        this.setRole('unknown', 'reply-too-late', `region ${this.region} holds lease ${this.lease} (epoch ${lease.epoch}), but its grant (${lease.grantMs} ms) ran out before the read answered`);
        return;
      }
      this.heldEpoch = lease.epoch;
      this.tradeUntil = until;
      this.cancelDeadline?.();
      this.cancelDeadline = setTimerOn(this.o.clock, until - now, () => this.deadline());
      if (this.role !== 'active') this.setRole('active', 'following', `region ${this.region} holds lease ${this.lease} (epoch ${lease.epoch}); this process trades on its grant`);
      return;
    }
    this.drop();
    const own = lease?.holder === this.region && lease.released;
    const detail = lease && lease.expiresAtMs > reply.nowMs && !lease.released ? `lease ${this.lease} held by ${lease.holder} (epoch ${lease.epoch})` : `lease ${this.lease} is ${own ? `released by region ${this.region}` : 'free'}`;
    this.setRole('passive', own ? 'released' : 'held-elsewhere', detail);
  }

  private failed(error: unknown): void {
    this.events.emit('error', { error, at: this.o.clock.now() });
    // A holder keeps trading until its deadline; without the lease the region cannot tell who holds it.
    if (this.role !== 'active') this.setRole('unknown', 'store-unreachable', `the store did not answer: ${messageOf(error)}`);
  }

  /** The right to trade ran out with no renewal confirmed: stop new exposure now (the lease may end in the store soon). */
  private deadline(): void {
    this.cancelDeadline = undefined;
    this.tradeUntil = undefined;
    if (this.role === 'active') this.setRole('unknown', 'renewal-overdue', `no renewal confirmed within ttl - margin (${this.o.ttlMs - this.o.safetyMarginMs} ms): new exposure stopped before the lease can end`);
  }

  /** Forgets the lease held: abandons a request in flight and the deadline. */
  private drop(): void {
    this.heldEpoch = undefined;
    this.tradeUntil = undefined;
    this.cancelDeadline?.();
    this.cancelDeadline = undefined;
    this.seq += 1;
    this.busy = false;
  }

  private remember(reply: LeaseReply): void {
    this.last = reply.lease ? { ...reply.lease } : null;
  }

  private applyGate(detail: string): void {
    const gate = this.o.gate;
    if (!gate) return;
    if (this.role === 'active') gate.clear(this.o.condition, `region ${this.region} holds the lease`);
    else gate.raise(this.o.condition, 'reducing', `region ${this.region} ${this.role}: ${detail}`, { acknowledgeable: false });
  }

  /** The gate first, then the event: a region that stops trading has stopped before anyone hears of it. */
  private setRole(to: RegionRole, reason: RegionChangeReason, detail: string, actor?: string): void {
    const from = this.role;
    this.role = to;
    this.reason = reason;
    this.applyGate(detail);
    if (from === to && reason === this.changes.at(-1)?.reason) return;
    const at = this.o.clock.now();
    if (from !== to) this.since = at;
    const change: RegionChange = { region: this.region, from, to, reason, detail, holder: this.last?.holder ?? null, epoch: this.last?.epoch ?? null, ...(actor ? { actor } : {}), at };
    this.changes.push(change);
    if (this.changes.length > this.o.historySize) this.changes.shift();
    this.events.emit('stateChange', change);
  }
}

/** A region's lease over `store`; call `start()`. See RegionLease. */
export function regionLease(options: RegionLeaseOptions): RegionLease {
  return new RegionLease(options);
}
