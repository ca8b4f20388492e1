import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Option messages are written once, in src/core/option-checks.ts: a module that checks an option
 * calls a helper there rather than writing its own "must be a ..." or "must be > 0". This test
 * reads every source file and fails on a new hand-written message; the exceptions below are rules
 * no helper words (each with its reason), matched by file and text so that a second message in the
 * same file still fails.
 */

const SRC = join(import.meta.dirname, '../../src');

const HAND_WRITTEN = [
  /must be an? /, // "must be a finite number", "must be an integer", ...
  /must be (?:>=?|<=?) ?-?\d/, // "must be > 0": a bound written by hand
];

const ALLOWED: ReadonlyArray<{ file: string; text: string; reason: string }> = [
  { file: 'core/option-checks.ts', text: 'must be', reason: 'the helpers themselves' },
  { file: 'observe/alerts/rule.ts', text: "'must be a Prometheus", reason: 'a zod schema message (zod words its own errors)' },
  { file: 'backup/manifest.ts', text: "'must be a relative path inside", reason: 'a zod schema message (zod words its own errors)' },
  { file: 'config/slo-schema.ts', text: "minimumCalls: z.number({ error: 'must be a number of calls' })", reason: 'a zod schema message (zod words its own errors)' },
  { file: 'security/tokens.ts', text: 'must be a power of two', reason: "scrypt's own rule for N; no helper words it" },
  { file: 'security/threat-rules.ts', text: 'must be a time HH:MM', reason: 'a time of day; no helper words one' },
  { file: 'chaos/proxy/toxic-flag.ts', text: 'must be a number, got ${JSON.stringify(raw)}', reason: 'a command-line value quoted as typed (a helper would show NaN)' },
  { file: 'limits/budgets/table.ts', text: 'must be a number, a function or { param, steps', reason: 'a union shape no helper describes' },
  { file: 'chaos/chaos-policy.ts', text: 'enabled must be a boolean or a function', reason: 'a union shape no helper describes' },
  { file: 'chaos/fault.ts', text: 'fault must be an error or a function making one', reason: 'a union shape no helper describes' },
  { file: 'backup/backups.ts', text: 'must be an array of non-empty path strings', reason: 'the only list-of-paths option' },
  { file: 'storage/postgres.ts', text: 'schema must be a plain identifier', reason: 'a pattern rule, the pattern said in words' },
  { file: 'server/exchange-account.ts', text: 'in ${path} must be a non-empty string', reason: 'a credential: the value is never echoed' },
  { file: 'fleet/leader-postgres.ts', text: 'connectionString must be a non-empty string', reason: 'holds a password: the value is never echoed' },
  { file: 'cli/commands/bot-run.ts', text: '--exchange-url must be an http(s) URL', reason: 'a URL rule (parse and scheme), not a number or a type' },
  { file: 'limits/adaptive/aimd.ts', text: 'backoffRatio must be >= 0.5 and < 1', reason: 'a half-open range, with its reason' },
  { file: 'limits/budgets/exchange-rate-budget.ts', text: 'reservedShare must be < 1 so', reason: 'a half-open range, with its reason' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Lines of code (not comments) that word an option rule by hand, as `file:line: text`. */
function handWritten(): string[] {
  const found: string[] = [];
  for (const path of sourceFiles(SRC)) {
    const file = relative(SRC, path).split('\\').join('/');
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const code = line.trim();
        if (code.startsWith('*') || code.startsWith('/*') || code.startsWith('//')) return;
        if (!HAND_WRITTEN.some((pattern) => pattern.test(code))) return;
        if (ALLOWED.some((a) => a.file === file && code.includes(a.text))) return;
        found.push(`${file}:${index + 1}: ${code}`);
      });
  }
  return found;
}

describe('option messages', () => {
  it('are written only by core/option-checks.ts (or are a listed exception)', () => {
    expect(handWritten()).toEqual([]);
  });

  it('every listed exception still matches a line, so the list does not outlive the code', () => {
    const stale = ALLOWED.filter((a) => {
      const text = readFileSync(join(SRC, a.file), 'utf8');
      return !text.includes(a.text);
    });
    expect(stale).toEqual([]);
  });
});
