/**
 * `bulwark soak [--minutes N] [--json] [--fault-quiet-ms N] [--fault-scale F] [--recovery-ms N]
 * [--follow-up-ms N] [--sample-ms N] [--data-dir DIR]`: runs the demo for N minutes, checks its
 * invariants while it runs and prints a table (or JSON). Exit 0 when every invariant held, 1 when
 * one failed, 2 when the soak could not run. See docs/soak.md.
 */
import type { Command } from 'commander';
import { formatSoakReport } from '../../demo/soak/report.js';
import type { SoakOptions } from '../../demo/soak/run-soak.js';
import { SOAK_DEFAULTS } from '../../demo/soak/soak-defaults.js';
import type { SoakResult } from '../../demo/soak/verdict.js';
import { numberFlag } from '../flags.js';

export interface SoakCommandOptions {
  minutes?: string | number;
  json?: boolean;
  faultQuietMs?: string | number;
  faultScale?: string | number;
  recoveryMs?: string | number;
  followUpMs?: string | number;
  sampleMs?: string | number;
  dataDir?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Runs the soak; injected in tests. */
  run?: (options: SoakOptions) => Promise<SoakResult>;
  /** Ends the run early and judges what was recorded (the command wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

export const EXIT_SOAK_FAILED = 1;
export const EXIT_SOAK_ERROR = 2;


/** Runs the soak and prints its verdict; returns the exit code. */
export async function runSoakCommand(options: SoakCommandOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  let soak: SoakOptions;
  try {
    const defined = <T>(key: string, value: T | undefined): Record<string, T> => (value === undefined ? {} : { [key]: value });
    soak = {
      ...defined('minutes', numberFlag('minutes', options.minutes, 0, true)),
      ...defined('faultQuietMs', numberFlag('fault-quiet-ms', options.faultQuietMs, 0)),
      ...defined('faultScale', numberFlag('fault-scale', options.faultScale, 0, true)),
      ...defined('recoveryMs', numberFlag('recovery-ms', options.recoveryMs, 0)),
      ...defined('followUpMs', numberFlag('follow-up-ms', options.followUpMs, 0)),
      ...defined('sampleMs', numberFlag('sample-ms', options.sampleMs, 0, true)),
      ...defined('dataDir', options.dataDir),
    };
  } catch (error) {
    err(`bulwark soak: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_SOAK_ERROR;
  }
  const minutes = soak.minutes ?? SOAK_DEFAULTS.minutes;
  err(`soak: running the demo for ${minutes} minutes...`);
  let result: SoakResult;
  try {
    // The demo (and ccxt with it) is loaded only now, not for `--help`.
    const run = options.run ?? (await import('../../demo/soak/run-soak.js')).runSoak;
    result = await run({ ...soak, ...(options.signal ? { signal: options.signal } : {}), onMinute: (m) => err(`soak: minute ${m} of ${minutes}`) });
  } catch (error) {
    err(`bulwark soak: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_SOAK_ERROR;
  }
  out(options.json ? JSON.stringify(result, null, 2) : formatSoakReport(result));
  return result.ok ? 0 : EXIT_SOAK_FAILED;
}

export function registerSoak(program: Command): void {
  program
    .command('soak')
    .description('runs the demo for a while and checks its invariants as it runs (docs/soak.md)')
    .option('--minutes <n>', `how long to run (default ${SOAK_DEFAULTS.minutes})`)
    .option('--json', 'print the verdict as JSON')
    .option('--fault-quiet-ms <n>', `quiet time between fault scenarios (default ${SOAK_DEFAULTS.faultQuietMs})`)
    .option('--fault-scale <f>', 'multiply every fault scenario duration by this (below 1: faster cycles)')
    .option('--recovery-ms <n>', `time the gate may take to recover after the longest fault (default ${SOAK_DEFAULTS.recoveryMs})`)
    .option('--follow-up-ms <n>', `time the journal has to follow the exchange (default ${SOAK_DEFAULTS.followUpMs})`)
    .option('--sample-ms <n>', `time between samples (default ${SOAK_DEFAULTS.sampleMs})`)
    .option('--data-dir <dir>', 'keep the demo data here (default: a temporary folder, removed afterwards)')
    .action(async (opts: SoakCommandOptions) => {
      // Ctrl+C (or SIGTERM) ends the run early: the demo stops and what was recorded is judged.
      const stop = new AbortController();
      const onSignal = (): void => {
        console.error('soak: stopping early, judging what was recorded...');
        stop.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      process.exitCode = await runSoakCommand({ ...opts, signal: stop.signal });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
}
