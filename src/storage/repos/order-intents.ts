import { checkInteger, checkOneOf } from '../../core/option-checks.js';
import { z } from 'zod';
import { type Clock, systemClock } from '../../core/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Queryable, SqlValue, Storage } from '../types.js';
import { validate } from '../validate.js';
import { staleReads } from '../stale-reads.js';

/**
 * The order intent journal: the trading layer writes an intent BEFORE it sends an order, then
 * moves it through its states, so after a crash it knows which orders may exist on the exchange.
 */

export const orderIntentStates = [
  'PENDING', // written, not sent yet
  'SENT', // request sent, no answer yet
  'UNKNOWN', // the answer was lost (timeout, network error, 5xx): must be looked up by client order id
  'OPEN', // the exchange holds it
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'REJECTED', // the exchange refused it for good
  'EXPIRED',
  'FAILED', // never reached the exchange (or was throttled before it was executed) and will not be sent
] as const;

export type OrderIntentState = (typeof orderIntentStates)[number];

/** States after which an intent never changes again. */
export const terminalOrderIntentStates: readonly OrderIntentState[] = ['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED', 'FAILED'];

export interface OrderIntent {
  intentId: string;
  clientOrderId: string;
  /** The exchange's id (ccxt `exchange.id`), so one journal can serve several venues. */
  exchange: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  amount: number;
  price: number | null;
  /** The createOrder params as sent (JSON-safe). */
  params: Record<string, unknown>;
  state: OrderIntentState;
  exchangeOrderId: string | null;
  /** Why the order failed or is unknown. */
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

const id = z.string().min(1).max(200);

/** What `put` accepts; validated before it is written. */
export const newOrderIntentSchema = z.object({
  intentId: id,
  clientOrderId: id,
  exchange: z.string().min(1).max(100),
  symbol: z.string().min(1).max(100),
  side: z.enum(['buy', 'sell']),
  type: z.string().min(1).max(50),
  amount: z.number().finite().positive(),
  price: z.number().finite().positive().nullable().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  state: z.enum(orderIntentStates).optional(),
  exchangeOrderId: z.string().min(1).nullable().optional(),
  error: z.string().nullable().optional(),
});

export type NewOrderIntent = z.input<typeof newOrderIntentSchema>;

export interface UpdateStateOptions {
  /** Only move the intent when it is in one of these states now (compare-and-set); else ConflictError. */
  from?: OrderIntentState | readonly OrderIntentState[];
  /** The exchange's id for the order, once known. Left unchanged when omitted. */
  exchangeOrderId?: string | null;
  /** Why the order failed or is unknown. Left unchanged when omitted. */
  error?: string | null;
}

export interface ListOptions {
  /** Most rows returned; oldest first. */
  limit?: number;
  exchange?: string;
}

/** One write of `writeMany`. */
export type OrderIntentWrite =
  | { kind: 'putIfAbsent'; intent: NewOrderIntent }
  | { kind: 'updateState'; intentId: string; state: OrderIntentState; options?: UpdateStateOptions };

/** What one write of `writeMany` came to: its result, or the error it alone ended in (the others still apply). */
export type OrderIntentWriteOutcome =
  | { ok: true; value: { intent: OrderIntent; created: boolean } | OrderIntent }
  | { ok: false; error: unknown };

export interface OrderIntentRepo {
  /** The database underneath: on PostgreSQL each statement is a round trip, so batches merge writes (`writeMany`). */
  readonly dialect: Queryable['dialect'];
  /** Writes a new intent. ConflictError when its intent id or client order id is taken. */
  put(intent: NewOrderIntent): Promise<OrderIntent>;
  /** Writes a new intent, or returns the one already stored under that intent id. */
  putIfAbsent(intent: NewOrderIntent): Promise<{ intent: OrderIntent; created: boolean }>;
  /** Writes many intents in one statement (call inside a transaction for all-or-nothing with other work). */
  putMany(intents: readonly NewOrderIntent[]): Promise<void>;
  get(intentId: string): Promise<OrderIntent | undefined>;
  getByClientOrderId(clientOrderId: string): Promise<OrderIntent | undefined>;
  /** Moves an intent to `state` in one statement. NotFoundError when it does not exist; ConflictError when `from` does not hold. */
  updateState(intentId: string, state: OrderIntentState, options?: UpdateStateOptions): Promise<OrderIntent>;
  /**
   * Applies `writes` in order, each as `putIfAbsent` / `updateState` would, with as few statements
   * as the dialect makes worthwhile: on PostgreSQL (a round trip per statement) one multi-row
   * INSERT and one multi-row UPDATE per round, where round k holds the k-th write of every intent,
   * so one intent's writes keep their order. A write refused on its own (taken, not found, `from`
   * not holding, bad input) comes back as its outcome; a database error throws. Call inside
   * `batch` for one commit.
   */
  writeMany(writes: readonly OrderIntentWrite[]): Promise<OrderIntentWriteOutcome[]>;
  /**
   * Runs `work` with a repository whose statements share one transaction (one commit), when this
   * repository is over a storage; over an open transaction it runs on that transaction.
   */
  batch<T>(work: (repo: OrderIntentRepo) => Promise<T>): Promise<T>;
  /** Intents in any of `states`, oldest first. */
  listByState(states: OrderIntentState | readonly OrderIntentState[], options?: ListOptions): Promise<OrderIntent[]>;
  /** The newest intents (by creation), newest first: order history, which a replica within the lag limit may answer (`staleReads`). */
  listRecent(limit: number, options?: { exchange?: string }): Promise<OrderIntent[]>;
  /** How many intents are in each state (states with none are left out); `intentPrefix`: only intents whose id starts with it. */
  countByState(options?: { exchange?: string; intentPrefix?: string }): Promise<Partial<Record<OrderIntentState, number>>>;
}

export interface OrderIntentRepoOptions {
  /** Source of created_at / updated_at; inject ManualClock in tests. */
  clock?: Clock;
}

const repoDefaults = {
  clock: systemClock, // wall time for stored timestamps
} satisfies Required<OrderIntentRepoOptions>;

/** Most rows one INSERT carries in putMany: 14 columns x 500 stays under SQLite's 32,766 parameters. */
const batchRows = 500;

const columns =
  'intent_id, client_order_id, exchange, symbol, side, type, amount, price, params, state, exchange_order_id, error, created_at, updated_at';

interface IntentRow {
  [key: string]: unknown;
  intent_id: string;
  client_order_id: string;
  exchange: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  amount: number;
  price: number | null;
  params: string;
  state: OrderIntentState;
  exchange_order_id: string | null;
  error: string | null;
  created_at: number | string;
  updated_at: number | string;
}

function fromRow(row: IntentRow): OrderIntent {
  return {
    intentId: row.intent_id,
    clientOrderId: row.client_order_id,
    exchange: row.exchange,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    amount: Number(row.amount),
    price: row.price === null ? null : Number(row.price),
    params: JSON.parse(row.params) as Record<string, unknown>,
    state: row.state,
    exchangeOrderId: row.exchange_order_id,
    error: row.error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toValues(input: NewOrderIntent, now: number): SqlValue[] {
  const intent = validate('order intent', newOrderIntentSchema, input);
  return [
    intent.intentId,
    intent.clientOrderId,
    intent.exchange,
    intent.symbol,
    intent.side,
    intent.type,
    intent.amount,
    intent.price ?? null,
    JSON.stringify(intent.params ?? {}),
    intent.state ?? 'PENDING',
    intent.exchangeOrderId ?? null,
    intent.error ?? null,
    now,
    now,
  ];
}

/** The columns as `o.`-qualified names, for a RETURNING beside a FROM list. */
const qualifiedColumns = columns
  .split(', ')
  .map((c) => `o.${c}`)
  .join(', ');

/** One round's updates in one statement (PostgreSQL): a VALUES list joined on intent id, each row with its own compare-and-set. */
const UPDATE_ROW = '(?::text, ?::text, ?::bigint, ?::int, ?::text, ?::int, ?::text, ?::text)';
const updateManySql = (rows: number): string =>
  `UPDATE order_intents AS o SET state = v.state, updated_at = v.at, ` +
  `exchange_order_id = CASE WHEN v.set_order_id = 1 THEN v.order_id ELSE o.exchange_order_id END, ` +
  `error = CASE WHEN v.set_error = 1 THEN v.error ELSE o.error END ` +
  `FROM (VALUES ${new Array<string>(rows).fill(UPDATE_ROW).join(', ')}) AS v(intent_id, state, at, set_order_id, order_id, set_error, error, sources) ` +
  `WHERE o.intent_id = v.intent_id AND (v.sources IS NULL OR o.state = ANY(string_to_array(v.sources, ','))) RETURNING ${qualifiedColumns}`;

function placeholders(rows: number, cols: number): string {
  const row = `(${new Array<string>(cols).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(row).join(', ');
}

function stateList(states: OrderIntentState | readonly OrderIntentState[]): readonly OrderIntentState[] {
  const list: readonly OrderIntentState[] = typeof states === 'string' ? [states] : states;
  for (const state of list) {
    if (!(orderIntentStates as readonly string[]).includes(state)) checkOneOf('order intents', 'state', state, orderIntentStates);
  }
  return list;
}

/** Errors that refuse one write and leave its transaction good (the database's own errors are not among them). */
function refusesOne(error: unknown): boolean {
  return error instanceof ConflictError || error instanceof NotFoundError || error instanceof ValidationError || error instanceof RangeError;
}

/** Whether `db` is a storage (it can open transactions), not an open transaction. */
function isStorage(db: Queryable): db is Storage {
  return typeof (db as Partial<Storage>).transaction === 'function';
}

/**
 * The order intent repository over any storage or open transaction. Every write is one statement
 * (INSERT / UPDATE ... RETURNING); a row is read back only when a write did not take, to say why.
 */
export function orderIntents(db: Queryable, options: OrderIntentRepoOptions = {}): OrderIntentRepo {
  const clock = options.clock ?? repoDefaults.clock;

  const get = async (intentId: string): Promise<OrderIntent | undefined> => {
    const row = await db.one<IntentRow>(`SELECT ${columns} FROM order_intents WHERE intent_id = ?`, [intentId]);
    return row && fromRow(row);
  };

  /** The stored intent when this insert wrote it; undefined when its intent id or client order id was taken. */
  const insert = async (input: NewOrderIntent): Promise<OrderIntent | undefined> => {
    const values = toValues(input, clock.now());
    const row = await db.one<IntentRow>(`INSERT INTO order_intents (${columns}) VALUES ${placeholders(1, 14)} ON CONFLICT DO NOTHING RETURNING ${columns}`, values);
    return row && fromRow(row);
  };

  const repo: OrderIntentRepo = {
    dialect: db.dialect,
    async put(input) {
      const stored = await insert(input);
      if (!stored) throw new ConflictError(`order intent "${input.intentId}": intent id or client order id "${input.clientOrderId}" is already stored`);
      return stored;
    },

    async putIfAbsent(input) {
      const created = await insert(input);
      if (created) return { intent: created, created: true };
      const stored = await get(input.intentId);
      if (!stored) {
        throw new ConflictError(`order intent "${input.intentId}": client order id "${input.clientOrderId}" belongs to another intent`);
      }
      return { intent: stored, created: false };
    },

    async putMany(inputs) {
      const now = clock.now();
      const all = inputs.map((input) => toValues(input, now));
      for (let start = 0; start < all.length; start += batchRows) {
        const chunk = all.slice(start, start + batchRows);
        await db.run(`INSERT INTO order_intents (${columns}) VALUES ${placeholders(chunk.length, 14)}`, chunk.flat());
      }
    },

    get,

    async getByClientOrderId(clientOrderId) {
      const row = await db.one<IntentRow>(`SELECT ${columns} FROM order_intents WHERE client_order_id = ?`, [clientOrderId]);
      return row && fromRow(row);
    },

    async updateState(intentId, state, update = {}) {
      stateList(state);
      const from = update.from === undefined ? undefined : stateList(update.from);
      const sets = ['state = ?', 'updated_at = ?'];
      const values: SqlValue[] = [state, clock.now()];
      if (update.exchangeOrderId !== undefined) {
        sets.push('exchange_order_id = ?');
        values.push(update.exchangeOrderId);
      }
      if (update.error !== undefined) {
        sets.push('error = ?');
        values.push(update.error);
      }
      let where = 'intent_id = ?';
      values.push(intentId);
      if (from !== undefined) {
        // An empty list matches no state: the write cannot take, and the read below says why.
        where += from.length > 0 ? ` AND state IN (${from.map(() => '?').join(', ')})` : ' AND 1 = 0';
        values.push(...from);
      }
      const row = await db.one<IntentRow>(`UPDATE order_intents SET ${sets.join(', ')} WHERE ${where} RETURNING ${columns}`, values);
      if (row) return fromRow(row);
      const stored = await get(intentId);
      if (!stored) throw new NotFoundError(`order intent "${intentId}" not found`);
      throw new ConflictError(`order intent "${intentId}" is ${stored.state}, not ${(from ?? []).join(' or ')}`);
    },

    async writeMany(writes) {
      const outcomes = new Array<OrderIntentWriteOutcome>(writes.length);
      const one = async (i: number): Promise<void> => {
        const w = writes[i]!;
        try {
          const value = w.kind === 'putIfAbsent' ? await repo.putIfAbsent(w.intent) : await repo.updateState(w.intentId, w.state, w.options);
          outcomes[i] = { ok: true, value };
        } catch (error) {
          if (!refusesOne(error)) throw error;
          outcomes[i] = { ok: false, error };
        }
      };
      // SQLite runs a statement in microseconds in this process: nothing to gain from merging them.
      if (db.dialect !== 'postgres' || writes.length === 1) {
        for (let i = 0; i < writes.length; i++) await one(i);
        return outcomes;
      }
      // Round k: the k-th write of every intent (an intent appears at most once per round).
      const rounds: number[][] = [];
      const seen = new Map<string, number>();
      writes.forEach((w, i) => {
        const key = w.kind === 'putIfAbsent' ? w.intent.intentId : w.intentId;
        const k = seen.get(key) ?? 0;
        seen.set(key, k + 1);
        (rounds[k] ??= []).push(i);
      });
      for (const round of rounds) {
        const inserts = round.filter((i) => writes[i]!.kind === 'putIfAbsent');
        const updates = round.filter((i) => writes[i]!.kind === 'updateState');
        if (inserts.length === 1) await one(inserts[0]!);
        else if (inserts.length > 1) await insertRound(inserts);
        if (updates.length === 1) await one(updates[0]!);
        else if (updates.length > 1) await updateRound(updates);
      }
      return outcomes;

      async function insertRound(indexes: number[]): Promise<void> {
        const now = clock.now();
        const valid: number[] = [];
        const values: SqlValue[] = [];
        for (const i of indexes) {
          try {
            values.push(...toValues((writes[i] as { intent: NewOrderIntent }).intent, now));
            valid.push(i);
          } catch (error) {
            if (!refusesOne(error)) throw error;
            outcomes[i] = { ok: false, error };
          }
        }
        if (valid.length === 0) return;
        const rows = await db.all<IntentRow>(`INSERT INTO order_intents (${columns}) VALUES ${placeholders(valid.length, 14)} ON CONFLICT DO NOTHING RETURNING ${columns}`, values);
        const inserted = new Map(rows.map((row) => [row.intent_id, row]));
        // Two inserts of one intent id never share a round; a row not returned was taken before.
        for (const i of valid) {
          const row = inserted.get((writes[i] as { intent: NewOrderIntent }).intent.intentId);
          if (row) outcomes[i] = { ok: true, value: { intent: fromRow(row), created: true } };
        }
        for (const i of valid) if (outcomes[i] === undefined) await one(i);
      }

      async function updateRound(indexes: number[]): Promise<void> {
        const now = clock.now();
        const values: SqlValue[] = [];
        for (const i of indexes) {
          const w = writes[i] as Extract<OrderIntentWrite, { kind: 'updateState' }>;
          const update = w.options ?? {};
          stateList(w.state);
          const from = update.from === undefined ? null : stateList(update.from).join(',');
          values.push(w.intentId, w.state, now, update.exchangeOrderId !== undefined ? 1 : 0, update.exchangeOrderId ?? null, update.error !== undefined ? 1 : 0, update.error ?? null, from);
        }
        const rows = await db.all<IntentRow>(updateManySql(indexes.length), values);
        const updated = new Map(rows.map((row) => [row.intent_id, row]));
        for (const i of indexes) {
          const row = updated.get((writes[i] as { intentId: string }).intentId);
          if (row) outcomes[i] = { ok: true, value: fromRow(row) };
        }
        // Not moved: the single-row form says why (not found, or `from` not holding) in the same words.
        for (const i of indexes) if (outcomes[i] === undefined) await one(i);
      }
    },

    batch(work) {
      if (!isStorage(db)) return work(repo);
      return db.transaction((tx) => work(orderIntents(tx, options)));
    },

    async listByState(states, list = {}) {
      const wanted = stateList(states);
      if (wanted.length === 0) return [];
      const values: SqlValue[] = [...wanted];
      let sql = `SELECT ${columns} FROM order_intents WHERE state IN (${wanted.map(() => '?').join(', ')})`;
      if (list.exchange !== undefined) {
        sql += ' AND exchange = ?';
        values.push(list.exchange);
      }
      sql += ' ORDER BY created_at, intent_id';
      if (list.limit !== undefined) {
        checkInteger('order intents', 'limit', list.limit, 1);
        sql += ' LIMIT ?';
        values.push(list.limit);
      }
      const rows = await db.all<IntentRow>(sql, values);
      return rows.map(fromRow);
    },

    async listRecent(limit, list = {}) {
      checkInteger('order intents', 'limit', limit, 1);
      const values: SqlValue[] = [];
      let sql = `SELECT ${columns} FROM order_intents`;
      if (list.exchange !== undefined) {
        sql += ' WHERE exchange = ?';
        values.push(list.exchange);
      }
      sql += ' ORDER BY created_at DESC, intent_id DESC LIMIT ?';
      values.push(limit);
      // Order history for people (the dashboard): a replica within the lag limit may answer. Inside a
      // transaction, or for reconciliation (listByState), reads stay on the primary.
      const rows = await (isStorage(db) ? staleReads(db) : db).all<IntentRow>(sql, values);
      return rows.map(fromRow);
    },

    async countByState(list = {}) {
      const values: SqlValue[] = [];
      const where: string[] = [];
      if (list.exchange !== undefined) {
        where.push('exchange = ?');
        values.push(list.exchange);
      }
      if (list.intentPrefix !== undefined) {
        // substr, not LIKE: a prefix holding _ or % means itself (SQLite and PostgreSQL alike).
        where.push('substr(intent_id, 1, ?) = ?');
        values.push(list.intentPrefix.length, list.intentPrefix);
      }
      const sql = `SELECT state, COUNT(*) AS n FROM order_intents${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY state`;
      const rows = await db.all<{ [key: string]: unknown; state: OrderIntentState; n: number | string }>(sql, values);
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },
  };
  return repo;
}
