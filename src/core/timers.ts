import { type CancelTimer, type Clock, setTimerOn, systemClock } from './clock.js';

/**
 * Shared deadlines: one underlying timer per clock, not one setTimeout per call.
 *
 * Deadlines are kept in one doubly linked list per duration. Calls that share a duration (the
 * common case: every call through one timeout policy) are appended in deadline order, so adding
 * and cancelling are O(1) and the earliest deadline is always at a list's head. One timer is
 * armed for the earliest head; when it fires, every due deadline runs and the timer is re-armed.
 */

/** A registered deadline. `cancel()` is O(1) and safe to call more than once or after it fired. */
export interface Deadline {
  cancel(): void;
}

/** One deadline; a class rather than an object literal so registering one allocates no closure. */
class Node implements Deadline {
  prev: Node | undefined = undefined;
  next: Node | undefined = undefined;
  list: DeadlineList | undefined = undefined;

  constructor(
    readonly scheduler: DeadlineScheduler,
    readonly at: number,
    readonly callback: () => void,
  ) {}

  cancel(): void {
    this.scheduler.remove(this);
  }
}

class DeadlineList {
  head: Node | undefined;
  tail: Node | undefined;

  append(node: Node): void {
    node.list = this;
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
  }

  unlink(node: Node): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = node.list = undefined;
  }
}

/** Node's timer, kept armed across idle periods but unref'd so it never holds the process open. */
interface Armed {
  at: number;
  cancel: CancelTimer;
  handle: NodeJS.Timeout | undefined;
}

export class DeadlineScheduler {
  private readonly lists = new Map<number, DeadlineList>();
  private armed: Armed | undefined;
  private live = 0;

  constructor(private readonly clock: Clock) {}

  /** Number of deadlines registered and neither fired nor cancelled. */
  get size(): number {
    return this.live;
  }

  /** Runs `callback` once `ms` have passed, unless cancelled first. */
  add(ms: number, callback: () => void): Deadline {
    const duration = Math.max(0, ms);
    let list = this.lists.get(duration);
    if (!list) {
      list = new DeadlineList();
      this.lists.set(duration, list);
    }
    const node = new Node(this, this.clock.now() + duration, callback);
    list.append(node);
    if (this.live++ === 0) this.ref();
    if (!this.armed || node.at < this.armed.at) this.arm(node.at);
    return node;
  }

  /** @internal Unlinks a deadline; what `Deadline.cancel()` calls. */
  remove(node: Node): void {
    const list = node.list;
    if (!list) return;
    list.unlink(node);
    if (--this.live === 0) this.unref();
  }

  private arm(at: number): void {
    this.armed?.cancel();
    const delay = Math.max(0, at - this.clock.now());
    if (this.clock === systemClock) {
      const handle = setTimeout(this.fire, delay);
      if (this.live === 0) handle.unref();
      this.armed = { at, cancel: () => clearTimeout(handle), handle };
    } else {
      this.armed = { at, cancel: setTimerOn(this.clock, delay, this.fire), handle: undefined };
    }
  }

  private ref(): void {
    this.armed?.handle?.ref();
  }

  private unref(): void {
    this.armed?.handle?.unref();
  }

  private readonly fire = (): void => {
    this.armed = undefined;
    const now = this.clock.now();
    let earliest = Infinity;
    for (const [duration, list] of this.lists) {
      let node = list.head;
      while (node && node.at <= now) {
        const next = node.next;
        this.remove(node);
        node.callback();
        node = next;
      }
      // A callback may have added to or cancelled from this list: read the head again.
      const head = list.head;
      if (head) earliest = Math.min(earliest, head.at);
      else if (this.lists.size > 16) this.lists.delete(duration);
    }
    // A callback may have armed a new timer already (by adding a deadline).
    const armed = this.armed as Armed | undefined;
    if (earliest !== Infinity && (!armed || earliest < armed.at)) this.arm(earliest);
  };
}

const schedulers = new WeakMap<Clock, DeadlineScheduler>();

/** The one deadline scheduler of `clock`. */
export function deadlinesOf(clock: Clock): DeadlineScheduler {
  let scheduler = schedulers.get(clock);
  if (!scheduler) {
    scheduler = new DeadlineScheduler(clock);
    schedulers.set(clock, scheduler);
  }
  return scheduler;
}
