/**
 * `bulwark tune [--since 7d] [--dependency NAME] [--config FILE] [--settings FILE] [--json]
 * [--write-diff FILE]`: the tuning advisor over the service's recording. The data is found the
 * way `bulwark start` finds it (`--config`, `--data-dir`, default ./.bulwark); the settings judged
 * are the configuration's `policies:` (its defaults without `--config`), or the PolicySettings of
 * `--settings FILE` (JSON or YAML). Prints each recommendation with its evidence and the replay of
 * the current and proposed settings side by side, then the configuration diff. The work lives in
 * tune-run.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Clock } from '../../core/clock.js';
import { dataLocationOptions } from '../data-location.js';
import { durationArgument } from '../flags.js';

export interface TuneOutput {
  write(chunk: string): unknown;
}

export interface TuneCommandDeps {
  stdout?: TuneOutput;
  clock?: Clock;
}

export interface TuneFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
  /** How far back to read (ms). */
  since?: number;
  dependency?: string;
  settings?: string;
  writeDiff?: string;
}

export const TUNE_COMMAND_DEFAULTS = {
  sinceMs: 7 * 86_400_000, // a week: weekday and weekend traffic, within the 30 days the recording keeps
} as const;

export function registerTune(program: Command, deps: TuneCommandDeps = {}): void {
  dataLocationOptions(program.command('tune').description('recommend timeout, breaker and retry settings from the recording, each checked by replaying the recorded traffic'), 'its storage and its policies (the settings judged)')
    .option('--since <duration>', 'how far back to read, e.g. 24h, 7d (default 7d)', durationArgument('--since'))
    .option('--dependency <name>', 'one dependency (a breaker, limiter or endpoint name); default every recorded one')
    .option('--settings <file>', 'judge these PolicySettings (JSON or YAML: timeout, retry, breaker) instead of the configuration\'s policies')
    .option('--write-diff <file>', 'write the recommended configuration changes as a YAML layer to merge over the configuration')
    .action(async (flags: TuneFlags) => {
      await (await import('./tune-run.js')).runTune(flags, deps);
    });
}
