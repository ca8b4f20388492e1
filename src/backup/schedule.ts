/**
 * Scheduled backups: a backup every `everyMs`, then the retention rule applied. A schedule is a
 * duty one process runs (`start()` / `stop()`); in a deployment of several ops services it is bound
 * to a leader election (fleet's `whileLeader`) so the backups are taken once. The first backup is
 * due `everyMs` after the newest one already in the folder (at once when there is none or it is
 * older), so restarts neither skip nor double a backup.
 */
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import type { BackupManifest, BackupType } from './manifest.js';
import type { Backups, PruneResult } from './backups.js';
import { type RetentionRule, checkRetention } from './retention.js';

export interface BackupScheduleOptions {
  /** Time between backups (ms). */
  everyMs: number;
  /** What each backup holds. */
  type?: BackupType;
  /** Retention applied after each backup; none: every backup is kept. */
  keep?: Pick<RetentionRule, 'keepLast' | 'maxAgeMs'>;
  clock?: Clock;
}

export const BACKUP_SCHEDULE_DEFAULTS = {
  // Everything, so one backup rebuilds the service.
  type: 'full' as BackupType,
  // Keep every backup unless told: deleting is the operator's decision.
  keep: undefined as Pick<RetentionRule, 'keepLast' | 'maxAgeMs'> | undefined,
  // Wall-clock time; a ManualClock in tests.
  clock: systemClock as Clock,
};

/** A tag on every scheduled backup, to tell them from an operator's. */
export const SCHEDULED_TAG = 'scheduled';

export interface BackupScheduleEvents {
  created: { manifest: BackupManifest; pruned: PruneResult | undefined };
  /** A backup or its pruning failed; the next one is still due `everyMs` later. */
  failed: { error: unknown };
}

export class BackupSchedule implements EventSource<BackupScheduleEvents> {
  private readonly events = new Emitter<BackupScheduleEvents>();
  private readonly o: typeof BACKUP_SCHEDULE_DEFAULTS & BackupScheduleOptions;
  private timer: CancelTimer | undefined;
  private running: Promise<void> | undefined;
  private started = false;

  constructor(
    private readonly backups: Backups,
    options: BackupScheduleOptions,
  ) {
    const o = withDefaults(BACKUP_SCHEDULE_DEFAULTS, options);
    checkInteger('backupSchedule', 'everyMs', o.everyMs, 1);
    if (o.keep) checkRetention(o.keep);
    this.o = o;
  }

  on<K extends keyof BackupScheduleEvents & string>(name: K, listener: Listener<BackupScheduleEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** True between start() and stop(). */
  get active(): boolean {
    return this.started;
  }

  /** Takes the duty up: the next backup is due `everyMs` after the newest one in the folder. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const latest = await this.backups.latest().catch(() => undefined);
    if (!this.started) return;
    this.schedule(latest ? Math.max(0, this.o.everyMs - latest.ageMs) : 0);
  }

  /** Puts the duty down and waits for a backup in progress. */
  async stop(): Promise<void> {
    this.started = false;
    this.timer?.();
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    this.timer = setTimerOn(this.o.clock, delayMs, () => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.o.everyMs);
      });
    });
  }

  private async runOnce(): Promise<void> {
    try {
      const manifest = await this.backups.create({ type: this.o.type, tags: [SCHEDULED_TAG], description: 'scheduled backup' });
      const pruned = this.o.keep ? await this.backups.prune(this.o.keep) : undefined;
      this.events.emit('created', { manifest, pruned });
    } catch (error) {
      this.events.emit('failed', { error });
    }
  }
}

/** A backup every `everyMs` with retention; call `start()` (or bind it to a leader election). */
export function backupSchedule(backups: Backups, options: BackupScheduleOptions): BackupSchedule {
  return new BackupSchedule(backups, options);
}
