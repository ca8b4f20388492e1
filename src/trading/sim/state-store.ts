/**
 * Where a simulated exchange keeps its state across restarts, so a restart of the process that runs
 * it is a restart of a client, not of the exchange: orders, balances, prices, ids and the price
 * ticks candles are cut from.
 *
 * `sqliteSimStore(file)` writes every change of the engine (an order placed, filled or cancelled, a
 * price step) in one SQLite transaction before the engine answers, in WAL mode. A committed WAL
 * write survives a SIGKILL of the process (it is in the OS's page cache); `synchronous = NORMAL`
 * only risks the last transactions on a power loss. So an order the simulator acknowledged is
 * never forgotten by a restarted simulator, and an order it does not hold after a restart never
 * reached it. Why not a JSON snapshot renamed into place every few seconds: an order the journal
 * knows but a restarted simulator does not would look "never placed" and be failed by mistake.
 */
import type Database from 'better-sqlite3';
import { checkInteger } from '../../core/option-checks.js';
import { loadPeer } from '../../core/peer.js';
import type { SimOrder } from './engine.js';

/** One recorded price (volume 0: a move; otherwise a fill). */
export interface SimTick {
  symbol: string;
  at: number;
  price: number;
  volume: number;
}

/** The engine's whole state, JSON-safe. */
export interface SimState {
  orders: SimOrder[];
  free: Record<string, number>;
  locked: Record<string, number>;
  /** Mid price per market id. */
  mids: Record<string, number>;
  nextOrderId: number;
  nextTradeId: number;
}

/** What changed since the last write: the orders touched, the new ticks, and the books as they are now. */
export interface SimChanges extends SimState {
  ticks: SimTick[];
}

export interface SimStateStore {
  /** The saved state with its ticks (oldest first), or undefined for a new store. */
  load(): (SimState & { ticks: SimTick[] }) | undefined;
  /** Writes one change atomically. */
  save(changes: SimChanges): void;
  close(): void;
}

export interface SqliteSimStoreOptions {
  /** Ticks kept per market; older ones are deleted now and then. */
  maxTicks?: number;
}

export const SQLITE_SIM_STORE_DEFAULTS = {
  maxTicks: 100_000, // as many as the engine keeps for candles (CANDLE_HISTORY_DEFAULTS)
};

/** A simulator state kept in the SQLite file `file` (created when missing). */
export function sqliteSimStore(file: string, options: SqliteSimStoreOptions = {}): SimStateStore {
  const maxTicks = options.maxTicks ?? SQLITE_SIM_STORE_DEFAULTS.maxTicks;
  checkInteger('sqliteSimStore', 'maxTicks', maxTicks, 1);
  const db = new (loadPeer<typeof Database>('better-sqlite3', 'the simulator\'s state file'))(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS sim_orders (order_id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sim_books (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sim_ticks (seq INTEGER PRIMARY KEY AUTOINCREMENT, symbol TEXT NOT NULL, at INTEGER NOT NULL, price REAL NOT NULL, volume REAL NOT NULL)`);
  const putOrder = db.prepare('INSERT INTO sim_orders (order_id, body) VALUES (?, ?) ON CONFLICT (order_id) DO UPDATE SET body = excluded.body');
  const putBooks = db.prepare('INSERT INTO sim_books (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body');
  const putTick = db.prepare('INSERT INTO sim_ticks (symbol, at, price, volume) VALUES (?, ?, ?, ?)');
  const trimTicks = db.prepare('DELETE FROM sim_ticks WHERE symbol = ? AND seq <= (SELECT seq FROM sim_ticks WHERE symbol = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)');
  let ticksSinceTrim = 0;
  const save = db.transaction((changes: SimChanges) => {
    for (const order of changes.orders) putOrder.run(order.orderId, JSON.stringify(order));
    const { orders: _orders, ticks, ...books } = changes;
    putBooks.run(JSON.stringify(books));
    for (const t of ticks) putTick.run(t.symbol, t.at, t.price, t.volume);
    ticksSinceTrim += ticks.length;
    // Trim once per tenth of the bound written: the table stays within 110 % of it per market.
    if (ticksSinceTrim >= Math.max(1, Math.floor(maxTicks / 10))) {
      ticksSinceTrim = 0;
      for (const symbol of Object.keys(books.mids)) trimTicks.run(symbol, symbol, maxTicks);
    }
  });
  let closed = false;
  return {
    load() {
      const books = db.prepare('SELECT body FROM sim_books WHERE id = 1').get() as { body: string } | undefined;
      if (!books) return undefined;
      const orders = (db.prepare('SELECT body FROM sim_orders ORDER BY order_id').all() as Array<{ body: string }>).map((r) => JSON.parse(r.body) as SimOrder);
      const ticks = db.prepare('SELECT symbol, at, price, volume FROM sim_ticks ORDER BY seq').all() as SimTick[];
      return { ...(JSON.parse(books.body) as Omit<SimState, 'orders'>), orders, ticks };
    },
    save(changes) {
      if (!closed) save(changes);
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
