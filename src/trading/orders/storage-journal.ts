/**
 * The durable intent journal: the storage layer's order intent repository (SQLite or PostgreSQL)
 * as an `IntentJournal`.
 *
 * One statement per state change: the move is an `UPDATE ... WHERE state IN (the states the state
 * machine lets move there) RETURNING *`, so it is checked and compare-and-set in one go; the row
 * is read only when the write did not take, to say why. Writes go through group commit
 * (group-commit.ts): writes that arrive together share one transaction, and deferred writes (the
 * transitions after an order left) ride along with the next commit. Reads see every write made
 * through this journal: a read that concerns a queued write commits it first.
 */
import { ConflictError, NotFoundError, ValidationError } from '../../storage/errors.js';
import type { OrderIntentRepo } from '../../storage/repos/order-intents.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import type { IntentJournal, IntentRecord, IntentUpdate } from './journal.js';
import { type IntentState, assertTransition, canTransition, intentStates } from './state.js';

export type StorageJournalOptions = GroupCommitOptions;

/** States from which the state machine allows a move to `to` (`to` itself included). */
const sources = new Map<IntentState, readonly IntentState[]>(intentStates.map((to) => [to, intentStates.filter((from) => canTransition(from, to))]));

/** Errors that refuse one write (its transaction stays good); anything else is the database's. */
function refusesOneWrite(error: unknown): boolean {
  return error instanceof ConflictError || error instanceof NotFoundError || error instanceof ValidationError || error instanceof RangeError;
}

/** One state move in one statement; on a refusal, the reason: not found, not allowed from its state (RangeError), or `from` not holding. */
async function move(repo: OrderIntentRepo, intentId: string, to: IntentState, update: Omit<IntentUpdate, 'defer'>): Promise<IntentRecord> {
  const allowed = sources.get(to);
  if (!allowed) throw new RangeError(`intent journal: state must be one of ${intentStates.join(', ')}, got "${String(to)}"`);
  const wanted = update.from === undefined ? undefined : typeof update.from === 'string' ? [update.from] : update.from;
  const from = wanted === undefined ? allowed : allowed.filter((state) => wanted.includes(state));
  try {
    return await repo.updateState(intentId, to, { ...update, from });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const current = await repo.get(intentId);
    if (current) assertTransition(intentId, current.state, to);
    throw wanted === undefined || !current ? error : new ConflictError(`order intent "${intentId}" is ${current.state}, not ${wanted.join(' or ')}`);
  }
}

export function storageJournal(repo: OrderIntentRepo, options: StorageJournalOptions = {}): IntentJournal {
  const writes = new GroupCommit<OrderIntentRepo>((work) => repo.batch(work), refusesOneWrite, options);
  /** Commits the queued writes a read depends on (of `intentId`, or any). */
  const settled = async (intentId?: string): Promise<void> => {
    if (writes.pending(intentId)) await writes.flush();
  };
  return {
    putIfAbsent: (intent) => writes.write(intent.intentId, (tx) => tx.putIfAbsent(intent)),
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
      return writes.write(intentId, (tx) => move(tx, intentId, state, rest), { deferred: defer === true });
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
