/**
 * Reads the fleet's command stream for one instance, so that no command is lost while the
 * instance reconnects:
 *
 *   - each instance has its own consumer group on the stream (group = instance id), so every
 *     instance sees every command, and the group remembers in Redis how far the instance has read;
 *   - an entry is acknowledged (XACK) only after it was applied; an entry delivered but not
 *     acknowledged (the reply lost with the connection, the process killed mid-apply) stays in the
 *     group's pending list and is read again first (XREADGROUP ... 0) at every (re)start of the loop;
 *   - commands sent while the instance was away wait in the stream after the group's position and
 *     are delivered (XREADGROUP ... >) when it is back;
 *   - when the group is gone (Redis restarted without persistence, or the instance was dropped
 *     while paused) it is created again after the last entry this process saw (from the start of
 *     the stream when it saw none), so it applies every command sent since.
 *
 * Entries are applied in stream order; an entry id at or before the last one applied is
 * acknowledged without being applied again. The loop runs on its own connection, because
 * XREADGROUP BLOCK holds the connection while it waits.
 */
import type { Redis } from 'ioredis';
import { type Clock } from '../core/clock.js';
import { type SentCommand, parseCommandEntry } from './commands.js';

export interface CommandReaderOptions {
  /** A connection of its own (it blocks); the reader closes it on stop. */
  connection: Redis;
  stream: string;
  group: string;
  /** Longest block of one read; a stop does not wait for it (the connection is closed). */
  blockMs: number;
  /** Entries per read. */
  count: number;
  /** Pause after a failed read while the connection is up (a Redis error, not an outage). */
  retryMs: number;
  clock: Clock;
  /** Applies one command; an entry is acknowledged after this returns. */
  apply(command: SentCommand): void;
  /** An entry that is not a command of ours: acknowledged and reported, never applied. */
  malformed(id: string, error: string): void;
  /** Entries acknowledged: they leave the group's pending list. */
  acknowledged?(ids: string[]): void;
  /** A read failed (the connection dropped, Redis answered an error). */
  failed(error: unknown): void;
}

type StreamReply = Array<[key: string, entries: Array<[id: string, fields: string[] | null]>]> | null;

/** Compares two stream ids ('<ms>-<seq>'). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

const isNoGroup = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOGROUP');

export class CommandReader {
  private stopped = false;
  private lastSeen: string | undefined;
  private loop: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  /** Rejects the read in flight when the connection closes (see `read`). */
  private cut: ((error: Error) => void) | undefined;

  constructor(private readonly o: CommandReaderOptions) {
    // Socket errors surface as failed reads; without a listener ioredis would print each one.
    o.connection.on('error', () => undefined);
    o.connection.on('close', () => this.cut?.(new Error('the connection to Redis closed during a read')));
  }

  /**
   * One XREADGROUP. A read in flight when the connection closes is never answered (the connection
   * does not resend it, on purpose: entries it may have delivered are pending, and must be read
   * before any newer one), so the close rejects it here and the loop starts again with the pending.
   */
  private read(args: Array<string | number>): Promise<StreamReply> {
    const cut = new Promise<never>((_, reject) => (this.cut = reject));
    return Promise.race([(this.o.connection.xreadgroup as (...a: Array<string | number>) => Promise<unknown>).apply(this.o.connection, args) as Promise<StreamReply>, cut]).finally(() => (this.cut = undefined));
  }

  /**
   * Creates the group if it is missing, at `from` ('$': only commands sent from now on; '0': all
   * the stream holds; an entry id: what came after it). Resolves once the group exists.
   */
  async ensureGroup(from: string): Promise<void> {
    try {
      await this.o.connection.xgroup('CREATE', this.o.stream, this.o.group, from, 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    let pending = true;
    while (!this.stopped) {
      try {
        const head = ['GROUP', this.o.group, this.o.group, 'COUNT', this.o.count];
        const reply = await this.read(pending ? [...head, 'STREAMS', this.o.stream, '0'] : [...head, 'BLOCK', this.o.blockMs, 'STREAMS', this.o.stream, '>']);
        const entries = reply?.[0]?.[1] ?? [];
        if (pending && entries.length === 0) pending = false;
        if (entries.length > 0) await this.handle(entries);
      } catch (error) {
        if (this.stopped) break;
        this.o.failed(error);
        pending = true;
        if (isNoGroup(error)) {
          // The group is gone: Redis lost its data (the stream now holds only what came after the
          // loss, all of it newer than what we saw), or the ops side dropped this instance while it
          // was paused. Either way, read on after the last entry seen.
          const made = await this.ensureGroup(this.lastSeen ?? '0').then(
            () => true,
            () => false,
          );
          if (made) continue;
        }
        await this.pause();
      }
    }
  }

  private async handle(entries: Array<[id: string, fields: string[] | null]>): Promise<void> {
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      // A pending entry deleted from the stream (trimmed) comes back without fields: nothing to apply.
      if (fields === null) continue;
      if (this.lastSeen !== undefined && compareStreamIds(id, this.lastSeen) <= 0) continue;
      const parsed = parseCommandEntry(id, fields);
      if ('error' in parsed) this.o.malformed(id, parsed.error);
      else this.o.apply(parsed);
      this.lastSeen = id;
    }
    await this.o.connection.xack(this.o.stream, this.o.group, ...ids);
    this.o.acknowledged?.(ids);
  }

  /** Waits until the connection is ready again (or a short pause when it is up), or the reader stops. */
  private async pause(): Promise<void> {
    const connection = this.o.connection;
    if (connection.status === 'ready') {
      await this.o.clock.sleep(this.o.retryMs, this.stopController.signal).catch(() => undefined);
      return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        connection.off('ready', done);
        this.stopController.signal.removeEventListener('abort', done);
        resolve();
      };
      connection.once('ready', done);
      this.stopController.signal.addEventListener('abort', done, { once: true });
      if (connection.status === 'end') connection.connect().catch(() => undefined);
    });
  }

  /** Stops reading and closes the connection (a blocked read ends at once). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopController.abort();
    this.o.connection.disconnect();
    this.cut?.(new Error('stopped'));
    await this.loop;
  }
}
