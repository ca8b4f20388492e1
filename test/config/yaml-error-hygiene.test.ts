/**
 * A YAML syntax error on a secret's line: the error names the file, line, column and kind of
 * error, and never the line's text; the parser's warnings (which quote the line) are not printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/loader.js';

const SECRET = 'sk-live-7f3a9c1e5b';

/** Files whose syntax error sits on the secret's line, each of a different kind. */
const broken: Record<string, string> = {
  'unclosed quote': `exchange:\n  apiSecret: "${SECRET}\n  other: 1\n`,
  'nested mapping': `exchange:\n  apiSecret: ${SECRET}: x\n`,
  'unresolved alias': `exchange:\n  apiSecret: *${SECRET}\n`,
  'scalar after a value': `exchange:\n  apiSecret: "${SECRET}" trailing\n`,
};

function issueOf(text: string): string {
  try {
    loadConfig({ environment: {}, readFile: (path) => (path.endsWith('default.yaml') ? text : undefined) });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('YAML errors on a secret line', () => {
  for (const [name, text] of Object.entries(broken)) {
    it(`${name}: names the line, not its text`, () => {
      const message = issueOf(text);
      // The alias is resolved after parsing, where the parser no longer knows the line.
      expect(message).toMatch(name === 'unresolved alias' ? /invalid YAML: Unresolved alias/ : /invalid YAML: .+ at line \d+, column \d+ \([A-Z_]+\)/);
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain(SECRET.slice(0, 8));
    });
  }

  it('bulwark start --config prints neither the secret nor a parser warning quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-yaml-'));
    try {
      const file = join(dir, 'bulwark.yaml');
      // An unknown tag is only a warning for the parser, which prints the line; then the alias error.
      writeFileSync(file, `exchange:\n  apiKey: !custom ${SECRET}\n  apiSecret: *${SECRET}\n`);
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--config', file], { encoding: 'utf8', timeout: 60_000 });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/invalid YAML: Unresolved alias/);
      expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
