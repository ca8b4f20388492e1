/**
 * `bulwark chaos ...`: fault injection. `chaos proxy --listen :P --upstream HOST:PORT [--toxic SPEC]...`
 * runs a TCP fault proxy until SIGINT/SIGTERM (chaos-proxy-run.ts, loaded only when it runs). The
 * group is where `chaos run`, `chaos list` and `chaos report` register too.
 */
import type { Command } from 'commander';
import { addChaosExperimentCommands } from './chaos-experiments.js';

/** Where a running command writes; injectable so it can be run and checked in-process. */
export interface ChaosCommandDeps {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Resolves when the command should stop (SIGINT or SIGTERM by default). */
  stopSignal?: () => Promise<string>;
}

export interface ChaosProxyFlags {
  listen: string;
  upstream: string;
  toxic: string[];
  seed?: string;
  disabled?: boolean;
  json?: boolean;
}

/** The `chaos` group, made once: each chaos sub-command registers itself under it. */
export function chaosCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'chaos') ?? program.command('chaos').description('fault injection: network fault proxies and experiments');
}

export function registerChaos(program: Command, deps: ChaosCommandDeps = {}): void {
  chaosCommand(program)
    .command('proxy')
    .description('TCP fault proxy in front of a dependency, with toxics (latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData)')
    .requiredOption('--listen <addr>', 'where to listen: :PORT (loopback) or HOST:PORT')
    .requiredOption('--upstream <host:port>', 'where connections go')
    .option('--toxic <spec>', "a toxic, TYPE[:DIRECTION][:KEY=VALUE,...], e.g. 'latency:downstream:latency=200,jitter=50' (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--seed <n>', 'seed of the toxicity draws and jitter')
    .option('--disabled', 'start disabled (refusing connections)')
    .option('--json', 'print events as JSON lines on stdout')
    .action(async (flags: ChaosProxyFlags) => {
      const { runChaosProxy } = await import('./chaos-proxy-run.js');
      await runChaosProxy(flags, deps);
    });
  // Experiments: run, list, report (chaos-experiments.ts).
  addChaosExperimentCommands(chaosCommand(program), { ...(deps.stdout ? { stdout: deps.stdout } : {}), ...(deps.stderr ? { stderr: deps.stderr } : {}) });
}
