/**
 * `bulwark report [--since 24h] [--until TIME] [--html] [--out FILE] [--json] [--config FILE | --data-dir DIR]`:
 * the analytics over a range, read from the service's storage (found as `bulwark start` finds it):
 * latency percentiles and error rates per dependency, incidents with MTTR and MTBF, SLO budget
 * burn. `--html` writes one self-contained page (charts as inline SVG, no external request) for a
 * post-mortem; `--json` prints the same content as JSON; otherwise a short text summary. The work
 * lives in report-run.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Clock } from '../../core/clock.js';
import { dataLocationOptions } from '../data-location.js';

export interface ReportFlags {
  since?: string;
  until?: string;
  html?: boolean;
  out?: string;
  json?: boolean;
  config?: string;
  dataDir?: string;
}

export interface ReportCommandDeps {
  stdout?: { write(text: string): unknown };
  clock?: Clock;
}

export const REPORT_COMMAND_DEFAULTS = {
  since: '24h', // a day: the post-mortem of last night's incident
  htmlFile: 'bulwark-report.html', // in the folder it runs in, where an operator looks for it
};

export function registerReport(program: Command, deps: ReportCommandDeps = {}): void {
  const command = program
    .command('report')
    .description("the analytics over a range: latency, error rates, incidents with MTTR/MTBF, SLO budget burn (--html: a self-contained page)")
    .option('--since <time>', `start of the range: an age such as 24h or 7d, ISO 8601, or milliseconds (default ${REPORT_COMMAND_DEFAULTS.since})`)
    .option('--until <time>', 'end of the range (default now)')
    .option('--html', 'write a self-contained HTML page with charts')
    .option('--out <file>', `where --html writes (default ${REPORT_COMMAND_DEFAULTS.htmlFile})`);
  dataLocationOptions(command, 'its dataDir, storage and slos').action(async (flags: ReportFlags) => {
    const { runReport } = await import('./report-run.js');
    await runReport(flags, deps);
  });
}
