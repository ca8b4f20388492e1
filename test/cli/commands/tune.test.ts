/** `bulwark tune` over a recorded outage in a service's data directory: the advice, its replay and the diff. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTune } from '../../../src/cli/commands/tune.js';
import { ManualClock } from '../../../src/core/clock.js';
import { tempDir } from '../../storage/helpers.js';
import { recordedTraffic } from '../../analytics/advisor/recorded-traffic.js';

const dependency = 'binance:marketData';

describe('bulwark tune', () => {
  let dir: string;
  let remove: () => void;
  let endMs: number;
  beforeAll(async () => {
    ({ dir, remove } = tempDir('bulwark-tune-cli-'));
    const traffic = await recordedTraffic({ dependency, minutes: 40, perSecond: 2, medianMs: 40, baselineFailure: 0.005, outage: { fromMinute: 20, minutes: 5 }, recordedTimeoutMs: 10_000, path: join(dir, 'bulwark.db') });
    endMs = traffic.endMs;
    await traffic.close();
  });
  afterAll(() => remove());

  async function run(...args: string[]): Promise<string> {
    const out: string[] = [];
    const program = new Command('bulwark').exitOverride();
    registerTune(program, { stdout: { write: (s: string) => out.push(s) }, clock: new ManualClock(endMs) });
    await program.parseAsync(['node', 'bulwark', 'tune', '--data-dir', dir, ...args]);
    return out.join('');
  }

  it('prints each recommendation with its evidence, the replay side by side and the diff, and writes the diff', async () => {
    const settings = join(dir, 'bad.yaml');
    writeFileSync(settings, 'timeout: { ms: 10000 }\nretry: { maxAttempts: 5 }\nbreaker: { failureRateThreshold: 0.5, minimumCalls: 20, openMs: 30000 }\n');
    const diffFile = join(dir, 'diff.yaml');
    const text = await run('--since', '1h', '--settings', settings, '--write-diff', diffFile);
    expect(text).toContain(`settings from ${settings}`);
    expect(text).toMatch(/\[RECOMMENDED\] timeout: timeout 10000 -> \d+ ms/);
    expect(text).toMatch(/evidence: .*p99_9Ms=/);
    expect(text).toMatch(/replay\s+current\s+proposed/);
    expect(text).toMatch(/\[no evidence\] rate-limit-headroom/);
    expect(text).toMatch(/policies\.timeout\.ms: 10000 -> \d+/);
    const yaml = readFileSync(diffFile, 'utf8');
    expect(yaml).toMatch(/^policies:\n {2}retry:\n {4}budget: \{"ratio":0\.2,"minRetriesPerSecond":1\} {2}# was unset/m);
    expect(yaml).toMatch(/^ {2}timeout:\n {4}ms: \d+ {2}# was 10000/m);
  });

  it('prints JSON with --json, judging the configuration defaults without --config', async () => {
    const report = JSON.parse(await run('--since', '1h', '--dependency', dependency, '--json')) as { currentFrom: string; dependencies: Array<{ dependency: string; calls: number }>; recommendations: Array<{ id: string; status: string }>; configDiff: { entries: unknown[] } };
    expect(report.currentFrom).toBe('the configuration defaults (breakers: the exchangeApi preset window)');
    expect(report.dependencies.map((d) => d.dependency)).toEqual([dependency]);
    expect(report.dependencies[0]!.calls).toBe(40 * 60 * 2);
    expect(report.recommendations.map((r) => r.id)).toContain(`timeout:${dependency}`);
  });

  it('refuses bad settings naming the file and the setting', async () => {
    const settings = join(dir, 'worse.yaml');
    writeFileSync(settings, 'retry: { maxAttempts: 0 }\n');
    await expect(run('--settings', settings)).rejects.toThrow(/worse\.yaml: .*retry\.maxAttempts/);
    await expect(run('--since', 'soon')).rejects.toThrow(/--since: "soon" is not a duration/);
  });
});
