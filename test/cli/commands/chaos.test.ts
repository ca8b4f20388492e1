import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChaos } from '../../../src/cli/commands/chaos.js';
import { runProgram } from '../../../src/cli/program.js';
import { client, echoServer, type EchoServer, eventually } from '../../chaos/proxy/net-helpers.js';

// The echo server and the proxies listen on ports the OS picks (`--listen :0`, the port read back
// from what the command prints): a fixed one can be some client socket's local port at that moment.
let echo: EchoServer;
beforeAll(async () => {
  echo = await echoServer();
});
afterAll(async () => echo.close());

function harness() {
  const out: string[] = [];
  const err: string[] = [];
  let stop: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const program = new Command('bulwark').exitOverride();
  registerChaos(program, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, stopSignal: () => stopped });
  return { program, out, err, stop };
}

describe('bulwark chaos proxy', () => {
  it('proxies with the toxics of its flags, prints what it does, and stops on the signal', async () => {
    const h = harness();
    const running = runProgram(['node', 'bulwark', 'chaos', 'proxy', '--listen', ':0', '--upstream', `127.0.0.1:${echo.port}`, '--toxic', 'latency:downstream:latency=20,jitter=5', '--toxic', 'slicer:upstream:average_size=2'], h.program);
    await eventually(() => h.err.length >= 3);
    const PORT_A = Number(/^Fault proxy 127\.0\.0\.1:(\d+) -> /.exec(h.err[0] as string)?.[1]);
    expect(PORT_A).toBeGreaterThan(0);
    expect(h.err[0]).toBe(`Fault proxy 127.0.0.1:${PORT_A} -> 127.0.0.1:${echo.port}\n`);
    expect(h.err[1]).toBe('  toxic latency_downstream: latency downstream 100% latencyMs=20 jitterMs=5\n');
    expect(h.err[2]).toBe('  toxic slicer_upstream: slicer upstream 100% averageSize=2 sizeVariation=0 delayMs=0\n');
    const c = await client(PORT_A);
    c.socket.write('through the proxy');
    expect((await c.bytes(17)).toString()).toBe('through the proxy');
    expect(echo.received.at(-1)?.toString()).toBe('through the proxy');
    c.socket.destroy();
    await eventually(() => h.err.some((l) => /^connection 1 closed \(end\): 17 bytes up, 17 down\n$/.test(l)));
    expect(h.err.some((l) => /^connection 1 from 127\.0\.0\.1:\d+: latency_downstream, slicer_upstream\n$/.test(l))).toBe(true);
    h.stop('SIGTERM');
    await running;
    expect(h.err.at(-1)).toBe('SIGTERM: closing the proxy and its 0 connections\n');
    await expect(client(PORT_A)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('prints JSON lines with --json', async () => {
    const h = harness();
    const running = runProgram(['node', 'bulwark', 'chaos', 'proxy', '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${echo.port}`, '--json'], h.program);
    await eventually(() => h.out.length >= 2);
    const listening = JSON.parse(h.out[0] as string) as { listen: string };
    const PORT_B = Number(/^127\.0\.0\.1:(\d+)$/.exec(listening.listen)?.[1]);
    expect(PORT_B).toBeGreaterThan(0); // the port picked, not the 0 asked for
    expect(listening).toMatchObject({ event: 'listening', listen: `127.0.0.1:${PORT_B}`, upstream: `127.0.0.1:${echo.port}`, enabled: true, toxics: [] });
    h.stop('SIGINT');
    await running;
    expect(JSON.parse(h.out.at(-1) as string)).toEqual({ event: 'stopping', signal: 'SIGINT' });
  });

  it('refuses a bad toxic naming what is wrong', async () => {
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((t: string) => stderr.push(t) > 0) as typeof process.stderr.write;
    try {
      await runProgram(['node', 'bulwark', 'chaos', 'proxy', '--listen', ':0', '--upstream', `127.0.0.1:${echo.port}`, '--toxic', 'latency:sideways'], harness().program);
      await runProgram(['node', 'bulwark', 'chaos', 'proxy', '--listen', ':0', '--upstream', `127.0.0.1:${echo.port}`, '--toxic', 'latency:downstream:latency=-5'], harness().program);
      await runProgram(['node', 'bulwark', 'chaos', 'proxy', '--listen', ':0', '--upstream', ':5432'], harness().program);
    } finally {
      process.stderr.write = write;
      process.exitCode = 0;
    }
    expect(stderr).toEqual([
      'bulwark chaos proxy: --toxic direction must be upstream or downstream, got "sideways"\n',
      'bulwark chaos proxy: toxic latency_downstream: attributes.latencyMs must be an integer >= 0 and <= 86400000, got -5\n',
      'bulwark chaos proxy: faultProxy: upstream must name its host (HOST:PORT), got ":5432"\n',
    ]);
  });
});
