/**
 * Operator settings whose writes go through a spooled writer: an operator's halt, isolation or
 * rule change made while PostgreSQL is unreachable is kept in the local spool and written, in
 * order, when it returns; nothing the operator did is lost to an outage. Reads go to the database
 * (the running service holds its operator state in memory; reads happen at start).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SpooledWriter, WriteKind } from '../spool.js';
import { type OperatorSetting, type OperatorSettings, removeSetting, writeSetting } from './operator-settings.js';

const settingWrite = z.object({ key: z.string().min(1), value: z.unknown(), actor: z.string().min(1), reason: z.string().nullable(), setAt: z.number() });

/** The spool kinds these settings write; give them to `spooledWriter({ kinds })`. */
export const operatorSettingKinds: Record<string, WriteKind> = {
  'operator-setting:put': { schema: settingWrite, apply: (tx, data) => writeSetting(tx, data as OperatorSetting) },
  'operator-setting:remove': { schema: z.object({ key: z.string().min(1) }), apply: async (tx, data) => void (await removeSetting(tx, (data as { key: string }).key)) },
};

/** `settings` with put and remove through `writer` (which must know operatorSettingKinds). */
export function spooledOperatorSettings(settings: OperatorSettings, writer: SpooledWriter, options: { now?: () => number } = {}): OperatorSettings {
  const now = options.now ?? Date.now;
  return {
    async put(key, value, by) {
      const setting: OperatorSetting = { key, value: value ?? null, actor: by.actor, reason: by.reason ?? null, setAt: now() };
      await writer.write('operator-setting:put', randomUUID(), setting);
      return setting;
    },
    async remove(key) {
      // Spooled or not, the removal is durable; whether a row existed is only known once applied.
      const existed = writer.pending === 0 ? (await settings.get(key).catch(() => undefined)) !== undefined : true;
      await writer.write('operator-setting:remove', randomUUID(), { key });
      return existed;
    },
    get: (key) => settings.get(key),
    list: (prefix) => settings.list(prefix),
  };
}
