/**
 * Operator settings: what an operator set over the API that must outlive the process (the kill
 * switch, breaker isolations, alert rule changes), one row per key, each with who set it, why and
 * when. The operations layer decides what the keys mean; this repository only keeps them.
 */
import { z } from 'zod';
import { type Clock, systemClock } from '../../core/clock.js';
import type { Queryable } from '../types.js';
import { validate } from '../validate.js';

export interface OperatorSetting {
  /** e.g. 'gate:kill', 'breaker:binance:orders', 'alert-rule:OrdersUnknown'. */
  key: string;
  /** JSON-safe value. */
  value: unknown;
  /** Who set it: a name sent with the request, 'operator' when none was. */
  actor: string;
  reason: string | null;
  setAt: number;
}

const settingSchema = z.object({
  key: z.string().min(1).max(300),
  actor: z.string().min(1).max(100),
  reason: z.string().max(500).nullable(),
});

export interface OperatorSettings {
  /** Writes (or replaces) a setting; returns it as stored. */
  put(key: string, value: unknown, by: { actor: string; reason?: string | null }): Promise<OperatorSetting>;
  get(key: string): Promise<OperatorSetting | undefined>;
  /** Every setting whose key starts with `prefix` (all when omitted), by key. */
  list(prefix?: string): Promise<OperatorSetting[]>;
  /** Removes a setting; true when there was one. */
  remove(key: string): Promise<boolean>;
}

interface SettingRow extends Record<string, unknown> {
  key: string;
  value: string;
  actor: string;
  reason: string | null;
  set_at: number | string;
}

const fromRow = (row: SettingRow): OperatorSetting => ({ key: row.key, value: JSON.parse(row.value) as unknown, actor: row.actor, reason: row.reason, setAt: Number(row.set_at) });

/** Writes (or replaces) one setting as given, its time included. */
export async function writeSetting(db: Queryable, setting: OperatorSetting): Promise<void> {
  await db.run(
    `INSERT INTO operator_settings (key, value, actor, reason, set_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, actor = excluded.actor, reason = excluded.reason, set_at = excluded.set_at`,
    [setting.key, JSON.stringify(setting.value ?? null), setting.actor, setting.reason, setting.setAt],
  );
}

/** Removes one setting; true when there was one. */
export async function removeSetting(db: Queryable, key: string): Promise<boolean> {
  const result = await db.run('DELETE FROM operator_settings WHERE key = ?', [key]);
  return result.changes > 0;
}

/** The operator settings kept in `db` (SQLite or PostgreSQL; migration `storage-005-operator-settings`). */
export function operatorSettings(db: Queryable, options: { clock?: Clock } = {}): OperatorSettings {
  const clock = options.clock ?? systemClock;
  return {
    async put(key, value, by) {
      const checked = validate('operator setting', settingSchema, { key, actor: by.actor, reason: by.reason ?? null });
      const setting: OperatorSetting = { ...checked, value, setAt: clock.now() };
      await writeSetting(db, setting);
      return setting;
    },
    async get(key) {
      const row = await db.one<SettingRow>('SELECT key, value, actor, reason, set_at FROM operator_settings WHERE key = ?', [key]);
      return row ? fromRow(row) : undefined;
    },
    async list(prefix = '') {
      const rows = await db.all<SettingRow>('SELECT key, value, actor, reason, set_at FROM operator_settings ORDER BY key');
      return rows.map(fromRow).filter((s) => s.key.startsWith(prefix));
    },
    async remove(key) {
      return removeSetting(db, key);
    },
  };
}
