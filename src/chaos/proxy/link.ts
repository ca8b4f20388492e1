/**
 * One direction of a proxied connection: the plan of pieces the toxics made (toxic-effects.ts),
 * sent in order, each when the clock reaches its time. Memory stays bounded: once the bytes
 * planned but not yet written pass `highWaterMark`, or the writing side asks to wait ('drain'),
 * the reading side is paused, and resumed when the plan has shrunk to half of it. A slow toxic
 * (latency, bandwidth) thus slows the sender through TCP's own flow control, never a growing buffer.
 */
import type { Socket } from 'node:net';
import { type CancelTimer, type Clock, setTimerOn } from '../../core/clock.js';
import type { Ending, Scheduled } from './toxic-effects.js';

export interface LinkOptions {
  clock: Clock;
  highWaterMark: number;
  /** Called when a planned ending comes due. */
  onEnding(ending: Ending, reason: string | undefined): void;
}

export class Link {
  /** Steps from `head` on are still to do (an index, not shift(): a slicer can plan thousands of pieces). */
  private plan: Scheduled[] = [];
  private head = 0;
  private planned = 0;
  private lastAt = -Infinity;
  private timer: CancelTimer | undefined;
  private draining = false;
  private stopped = false;

  constructor(
    private readonly source: Socket,
    private readonly target: Socket,
    private readonly options: LinkOptions,
  ) {}

  /** Bytes planned and not yet written. */
  get pendingBytes(): number {
    return this.planned;
  }

  /** Steps (pieces of data and endings) planned and not yet carried out. */
  get pendingSteps(): number {
    return this.plan.length - this.head;
  }

  /** Adds steps to the plan; no step leaves before one planned earlier (bytes keep their order). */
  enqueue(steps: readonly Scheduled[]): void {
    if (this.stopped) return;
    for (const step of steps) {
      const at = Math.max(step.at, this.lastAt);
      this.lastAt = at;
      this.plan.push({ ...step, at });
      this.planned += step.data?.length ?? 0;
    }
    if (this.planned > this.options.highWaterMark && !this.source.isPaused()) this.source.pause();
    this.pump();
  }

  /** Forgets the plan and every timer (the connection is closing). */
  stop(): void {
    this.stopped = true;
    this.timer?.();
    this.timer = undefined;
    this.plan = [];
    this.head = 0;
    this.planned = 0;
  }

  private pump(): void {
    if (this.stopped || this.draining || this.timer) return;
    while (this.head < this.plan.length) {
      const head = this.plan[this.head] as Scheduled;
      const wait = head.at - this.options.clock.now();
      if (wait > 0) {
        this.timer = setTimerOn(this.options.clock, wait, () => {
          this.timer = undefined;
          this.pump();
        });
        this.resumeSource();
        return;
      }
      this.take();
      if (head.data) {
        this.planned -= head.data.length;
        if (this.target.destroyed) continue;
        if (!this.target.write(head.data)) {
          this.draining = true;
          this.target.once('drain', () => {
            this.draining = false;
            this.pump();
          });
          return;
        }
      } else if (head.end) {
        this.options.onEnding(head.end, head.reason);
        if (this.stopped) return;
      }
    }
    this.resumeSource();
  }

  /** Moves past the first step, dropping the done ones once they are half the array. */
  private take(): void {
    this.plan[this.head] = undefined as unknown as Scheduled;
    this.head += 1;
    if (this.head === this.plan.length) {
      this.plan = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.plan.length) {
      this.plan = this.plan.slice(this.head);
      this.head = 0;
    }
  }

  private resumeSource(): void {
    if (this.planned <= this.options.highWaterMark / 2 && this.source.isPaused() && !this.source.destroyed) this.source.resume();
  }
}
