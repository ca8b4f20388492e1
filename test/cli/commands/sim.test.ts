import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerSim } from '../../../src/cli/commands/sim.js';
import { runSim } from '../../../src/cli/commands/sim-run.js';

describe('bulwark sim', () => {
  it('starts the simulator on the given port, answers Binance routes and its control plane, and stops', async () => {
    const lines: string[] = [];
    const sim = await runSim({ port: 0, stepMs: 0, out: (l) => lines.push(l) });
    try {
      expect(lines[0]).toMatch(/^Simulated exchange \(Binance spot REST\) at http:\/\/127\.0\.0\.1:\d+$/);
      const info = (await (await fetch(`${sim.server.url}/api/v3/exchangeInfo`)).json()) as { symbols: Array<{ symbol: string }> };
      expect(info.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      const stats = (await (await fetch(`${sim.server.url}/_sim/stats`)).json()) as { requests: number };
      expect(stats.requests).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  it('refuses a bad port naming the option', async () => {
    await expect(runSim({ port: 'abc', stepMs: 0, out: () => undefined })).rejects.toThrow('--port must be an integer >= 0 and <= 65535, got abc');
    await expect(runSim({ port: 0, stepMs: -1, out: () => undefined })).rejects.toThrow(/--step-ms/);
  });

  it('registers the sim command with --port', () => {
    const program = new Command();
    registerSim(program);
    const sim = program.commands.find((c) => c.name() === 'sim');
    expect(sim?.options.map((o) => o.long)).toEqual(['--port', '--seed', '--step-ms']);
  });
});
