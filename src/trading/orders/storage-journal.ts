/**
 * The durable intent journal: the storage layer's order intent repository (SQLite or PostgreSQL)
 * as an `IntentJournal`.
 *
 * One statement per state change: the move is an `UPDATE ... WHERE state IN (the states the state
 * machine lets move there) RETURNING *`, so it is checked and compare-and-set in one go; the row
 * is read only when the write did not take, to say why. Writes go through group commit
 * (group-commit.ts): writes that arrive together share one transaction, and deferred writes (the
 * transitions after an order left) ride along with the next commit. On PostgreSQL a group is a few
 * multi-row statements (the repository's `writeMany`), and several groups commit at once on the
 * pool (`maxConcurrent`, STORAGE_JOURNAL_DEFAULTS), one intent's writes still in order. Reads see
 * every write made through this journal: a read that concerns a queued write commits it first.
 */
import { ConflictError, NotFoundError, ValidationError } from '../../storage/errors.js';
import type { OrderIntentRepo, OrderIntentWrite, OrderIntentWriteOutcome } from '../../storage/repos/order-intents.js';
import { GroupCommit, type GroupCommitOptions, type WriteOptions } from './group-commit.js';
import { withDefaults } from '../../core/options.js';
import type { IntentJournal, IntentRecord, IntentUpdate } from './journal.js';
import { type IntentState, assertTransition, canTransition, intentStates } from './state.js';

export type StorageJournalOptions = GroupCommitOptions;

export const STORAGE_JOURNAL_DEFAULTS = {
  // PostgreSQL: groups commit side by side on the pool (a commit waits for a round trip and a WAL
  // flush, not for this process), leaving most of the pool's default 10 connections to other work.
  // SQLite has one connection: one transaction at a time, whatever is given.
  maxConcurrent: 4,
} satisfies GroupCommitOptions;

/** A write as group commit holds it on PostgreSQL: the repository's write, and the `from` its caller asked for. */
interface JournalWrite {
  write: OrderIntentWrite;
  wanted?: readonly IntentState[] | undefined;
}

/** States from which the state machine allows a move to `to` (`to` itself included). */
const sources = new Map<IntentState, readonly IntentState[]>(intentStates.map((to) => [to, intentStates.filter((from) => canTransition(from, to))]));

/** Errors that refuse one write (its transaction stays good); anything else is the database's. */
function refusesOneWrite(error: unknown): boolean {
  return error instanceof ConflictError || error instanceof NotFoundError || error instanceof ValidationError || error instanceof RangeError;
}

/** The `from` list of a move to `to`: the states the state machine allows there, narrowed to `wanted` when given. */
function fromStates(to: IntentState, wanted: readonly IntentState[] | undefined): IntentState[] {
  const allowed = sources.get(to);
  if (!allowed) throw new RangeError(`intent journal: state must be one of ${intentStates.join(', ')}, got "${String(to)}"`);
  return wanted === undefined ? [...allowed] : allowed.filter((state) => wanted.includes(state));
}

const wantedOf = (update: Omit<IntentUpdate, 'defer'>): readonly IntentState[] | undefined =>
  update.from === undefined ? undefined : typeof update.from === 'string' ? [update.from] : update.from;

/** Why a move did not take (a ConflictError from the repository): not allowed from its state (RangeError), or `from` not holding. */
async function explain(repo: OrderIntentRepo, intentId: string, to: IntentState, wanted: readonly IntentState[] | undefined, error: ConflictError): Promise<unknown> {
  const current = await repo.get(intentId);
  if (current) assertTransition(intentId, current.state, to);
  return wanted === undefined || !current ? error : new ConflictError(`order intent "${intentId}" is ${current.state}, not ${wanted.join(' or ')}`);
}

/** One state move in one statement; on a refusal, the reason: not found, not allowed from its state (RangeError), or `from` not holding. */
async function move(repo: OrderIntentRepo, intentId: string, to: IntentState, update: Omit<IntentUpdate, 'defer'>): Promise<IntentRecord> {
  const wanted = wantedOf(update);
  const from = fromStates(to, wanted);
  try {
    return await repo.updateState(intentId, to, { ...update, from });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    throw await explain(repo, intentId, to, wanted, error);
  }
}

/** A group's writes in a few multi-row statements (PostgreSQL); refused moves are explained as `move` explains them. */
async function applyMany(tx: OrderIntentRepo, ops: JournalWrite[]): Promise<OrderIntentWriteOutcome[]> {
  const outcomes = await tx.writeMany(ops.map((op) => op.write));
  for (let i = 0; i < ops.length; i++) {
    const outcome = outcomes[i]!;
    const { write, wanted } = ops[i]!;
    if (outcome.ok || write.kind !== 'updateState' || !(outcome.error instanceof ConflictError)) continue;
    try {
      outcomes[i] = { ok: false, error: await explain(tx, write.intentId, write.state, wanted, outcome.error) };
    } catch (error) {
      if (!refusesOneWrite(error)) throw error;
      outcomes[i] = { ok: false, error };
    }
  }
  return outcomes;
}

/**
 * How group commit holds a move. A bare deferred SENT only marks progress (PENDING and SENT mean the
 * same to recovery): it is held back, and the order's answer, when it comes within the linger time,
 * is written in its place (the state machine lets PENDING move wherever SENT may). A move with a
 * `from` checks the state it finds, so a held SENT is written before it.
 */
function writeOptions(to: IntentState, deferred: boolean, update: Omit<IntentUpdate, 'defer'>): WriteOptions<JournalWrite> {
  const bare = update.from === undefined && update.error === undefined && update.exchangeOrderId === undefined;
  if (deferred && to === 'SENT' && bare) return SUPERSEDABLE;
  const replaces = update.from === undefined;
  return deferred ? (replaces ? DEFERRED : DEFERRED_CHECKED) : replaces ? URGENT : URGENT_CHECKED;
}
const SUPERSEDABLE: WriteOptions<JournalWrite> = Object.freeze({ supersedable: true });
const DEFERRED: WriteOptions<JournalWrite> = Object.freeze({ deferred: true });
const DEFERRED_CHECKED: WriteOptions<JournalWrite> = Object.freeze({ deferred: true, replaces: false });
const URGENT: WriteOptions<JournalWrite> = Object.freeze({});
const URGENT_CHECKED: WriteOptions<JournalWrite> = Object.freeze({ replaces: false });

export function storageJournal(repo: OrderIntentRepo, options: StorageJournalOptions = {}): IntentJournal {
  const merges = repo.dialect === 'postgres';
  const writes = new GroupCommit<OrderIntentRepo, JournalWrite>(
    (work) => repo.batch(work),
    refusesOneWrite,
    merges ? withDefaults(STORAGE_JOURNAL_DEFAULTS, options) : { ...options, maxConcurrent: 1 },
    merges ? applyMany : undefined,
  );
  /** Commits the queued writes a read depends on (of `intentId`, or any). */
  const settled = async (intentId?: string): Promise<void> => {
    if (writes.pending(intentId)) await writes.flush();
  };
  return {
    putIfAbsent: (intent) => writes.write(intent.intentId, (tx) => tx.putIfAbsent(intent), { op: { write: { kind: 'putIfAbsent', intent } } }),
    async get(intentId) {
      await settled(intentId);
      return repo.get(intentId);
    },
    async getByClientOrderId(clientOrderId) {
      await settled();
      return repo.getByClientOrderId(clientOrderId);
    },
    updateState(intentId, state, update = {}) {
      const { defer, ...rest } = update;
      const deferred = defer === true;
      const options = writeOptions(state, deferred, rest);
      if (!merges) return writes.write(intentId, (tx) => move(tx, intentId, state, rest), options);
      const wanted = wantedOf(rest);
      let from: IntentState[];
      try {
        from = fromStates(state, wanted);
      } catch (error) {
        return Promise.reject(error);
      }
      const op: JournalWrite = { write: { kind: 'updateState', intentId, state, options: { ...rest, from } }, wanted };
      return writes.write(intentId, (tx) => move(tx, intentId, state, rest), { ...options, op }) as Promise<IntentRecord>;
    },
    async listByState(states, list) {
      await settled();
      return repo.listByState(states, list);
    },
    async listRecent(limit, list) {
      await settled();
      return repo.listRecent(limit, list);
    },
    async countByState(list) {
      await settled();
      return repo.countByState(list);
    },
    flush: () => writes.flush(),
  };
}
