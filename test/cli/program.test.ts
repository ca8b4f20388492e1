import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliErrorLine } from '../../src/cli/errors.js';
import { buildProgram, runProgram } from '../../src/cli/program.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('bulwark (the program)', () => {
  it('--version prints the package version', async () => {
    const out: string[] = [];
    const program = buildProgram().exitOverride();
    program.configureOutput({ writeOut: (s) => out.push(s) });
    await expect(program.parseAsync(['node', 'bulwark', '--version'])).rejects.toMatchObject({ code: 'commander.version' });
    expect(out.join('')).toBe(`${pkg.version}\n`);
  });

  it('a failed command prints one line with one prefix and exits 1 (regression: "bulwark start: bulwark start: ...")', async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => err.push(String(s)) > 0);
    await runProgram(['node', 'bulwark', 'start', '--port', 'abc']);
    expect(err).toEqual(['bulwark start: --port must be an integer >= 0 and <= 65535, got abc\n']);
    expect(process.exitCode).toBe(1);
  });

  it('keeps only the command prefix when the message already carries one', () => {
    expect(cliErrorLine('start', new Error('bulwark start: the data directory is in use by process 7'))).toBe('bulwark start: the data directory is in use by process 7');
    expect(cliErrorLine('backup restore', new Error('bulwark backup restore: the data directory is in use'))).toBe('bulwark backup restore: the data directory is in use');
    expect(cliErrorLine('', 'unknown command')).toBe('bulwark: unknown command');
  });

  it('every command accepts --json where it prints a result', () => {
    const program = buildProgram();
    const leaves = (c: typeof program, path: string[] = []): Array<[string, typeof program]> =>
      c.commands.length === 0 ? [[path.join(' '), c]] : c.commands.flatMap((s) => leaves(s as typeof program, [...path, s.name()]));
    const withoutJson = leaves(program)
      .filter(([, c]) => !c.options.some((o) => o.long === '--json'))
      .map(([path]) => path);
    // Long-running services: their stdout is the JSON log (start) or nothing to report.
    expect(withoutJson).toEqual(['start', 'sim', 'bot']);
  });
});
