/**
 * The configuration changes of the recommended advice: each YAML key old -> new, and the same as
 * a YAML layer to merge over the configuration (each value with what it was). The `policies:` of
 * the configuration are shared by every dependency: when two recommendations set one key to
 * different values, the first (the dependency listed first) is kept and the other named beside it.
 */
import type { Recommendation } from './types.js';

export interface ConfigDiffEntry {
  key: string;
  from: unknown;
  to: unknown;
  /** The recommendations (ids) that ask for it. */
  from_recommendations: string[];
  /** Other values asked for by other recommendations, which lost to the first. */
  conflicts: Array<{ id: string; to: unknown }>;
}

export interface ConfigDiff {
  entries: ConfigDiffEntry[];
  /** Recommended changes with no configuration key (library options such as `retry.retryBudget`). */
  libraryOnly: Array<{ id: string; option: string; to: unknown }>;
}

export function configDiff(recommendations: readonly Recommendation[]): ConfigDiff {
  const entries = new Map<string, ConfigDiffEntry>();
  const libraryOnly: ConfigDiff['libraryOnly'] = [];
  for (const r of recommendations) {
    if (r.status !== 'recommended') continue;
    for (const change of r.changes) {
      if (!change.key) {
        libraryOnly.push({ id: r.id, option: change.option, to: change.to });
        continue;
      }
      const entry = entries.get(change.key);
      if (!entry) entries.set(change.key, { key: change.key, from: change.from, to: change.to, from_recommendations: [r.id], conflicts: [] });
      else if (JSON.stringify(entry.to) === JSON.stringify(change.to)) entry.from_recommendations.push(r.id);
      else entry.conflicts.push({ id: r.id, to: change.to });
    }
  }
  return { entries: [...entries.values()], libraryOnly };
}

/** The diff as lines `key: old -> new`. */
export function diffLines(diff: ConfigDiff): string[] {
  return diff.entries.map((e) => `${e.key}: ${show(e.from)} -> ${show(e.to)}${e.conflicts.length > 0 ? `  (also asked: ${e.conflicts.map((c) => `${show(c.to)} by ${c.id}`).join(', ')})` : ''}`);
}

/** The diff as a YAML layer to merge over the configuration, each value with a comment saying what it was and why. */
export function diffYaml(diff: ConfigDiff): string {
  const lines = ['# bulwark tune: configuration changes the replay found better (merge over your configuration)'];
  if (diff.entries.length === 0) lines.push('# no change recommended');
  const written: string[] = [];
  for (const e of [...diff.entries].sort((a, b) => a.key.localeCompare(b.key))) {
    const parts = e.key.split('.');
    // Open the parents not already open from the previous key.
    let shared = 0;
    while (shared < parts.length - 1 && written[shared] === parts[shared]) shared++;
    for (let i = shared; i < parts.length - 1; i++) lines.push(`${'  '.repeat(i)}${parts[i]}:`);
    written.splice(0, written.length, ...parts.slice(0, -1));
    const conflicts = e.conflicts.length > 0 ? `; also asked: ${e.conflicts.map((c) => `${show(c.to)} (${c.id})`).join(', ')}` : '';
    lines.push(`${'  '.repeat(parts.length - 1)}${parts.at(-1)}: ${JSON.stringify(e.to)}  # was ${show(e.from)}: ${e.from_recommendations.join(', ')}${conflicts}`);
  }
  for (const l of diff.libraryOnly) lines.push(`# ${l.id}: ${l.option} = ${JSON.stringify(l.to)} (a library option, no configuration key: set it where the policy is built)`);
  return `${lines.join('\n')}\n`;
}

function show(value: unknown): string {
  return value === null || value === undefined ? 'unset' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}
