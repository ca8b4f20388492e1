/**
 * The fleet over Redis, on a private redis-server (so the command counts are the fleet's own):
 *
 *  - halt propagation: N instances in this process (each with its own connections, as separate
 *    bots would have), the ops side sends a fleet-wide halt; the time from send() to each
 *    instance's gate turning `halted` is one sample, and the time to the last instance is the
 *    fleet's figure. Then a resume, and again. N = 2, 10, 50.
 *  - heartbeat cost: 50 idle instances beating once a second for 10 s: the process CPU per
 *    instance, and the Redis commands per second per instance (INFO commandstats deltas).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { type FleetMember, fleetControl, joinFleet } from '../src/fleet/index.js';
import { tradingGate, type TradingGate } from '../src/trading/gate.js';

const SIZES = [2, 10, 50];
/** Halt + resume pairs per size; each gives one fleet figure and N instance samples. */
const ROUNDS = 40;
const IDLE_INSTANCES = 50;
const IDLE_MS = 10_000;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return child;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const fmt = (ms: number): string => ms.toFixed(2);

interface Instance {
  member: FleetMember;
  gate: TradingGate;
  client: Redis;
}

async function fleetOf(url: string, fleet: string, n: number): Promise<Instance[]> {
  const instances = Array.from({ length: n }, (_, i) => {
    const client = new Redis(url);
    const gate = tradingGate();
    return { client, gate, member: joinFleet({ redis: client, instance: `bot-${i}`, fleet, gate }) };
  });
  await Promise.all(instances.map((i) => i.member.ready));
  return instances;
}

async function leaveAll(instances: Instance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.member.leave()));
  for (const i of instances) i.client.disconnect();
}

/** Sends one fleet-wide command and resolves with each instance's time (ms) until its gate reached `mode`. */
async function propagate(instances: Instance[], mode: 'halted' | 'active', send: () => Promise<unknown>): Promise<number[]> {
  const start = performance.now();
  const arrivals = instances.map(
    (i) =>
      new Promise<number>((resolve) => {
        const off = i.gate.on('stateChange', (c) => {
          if (c.to !== mode) return;
          off();
          resolve(performance.now() - start);
        });
      }),
  );
  await send();
  return Promise.all(arrivals);
}

async function commandsProcessed(admin: Redis): Promise<number> {
  const info = await admin.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

export async function benchFleet(): Promise<void> {
  const port = await freePort();
  const server = await startRedis(port);
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url);
  try {
    console.log('\n### Halt propagation: send() on the ops side to `halted` in each instance\n');
    console.log('| instances | rounds | per instance p50 ms | per instance p99 ms | whole fleet p50 ms | whole fleet p99 ms | max ms |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const n of SIZES) {
      const fleet = `bench-${n}`;
      const control = fleetControl({ redis: admin, fleet });
      const instances = await fleetOf(url, fleet, n);
      const samples: number[] = [];
      const wholes: number[] = [];
      for (let r = 0; r < ROUNDS + 5; r++) {
        const times = await propagate(instances, 'halted', () => control.halt(`round ${r}`, 'bench'));
        await propagate(instances, 'active', () => control.resume(`round ${r}`, 'bench'));
        if (r < 5) continue; // warm-up: connections and JIT settled
        samples.push(...times);
        wholes.push(Math.max(...times));
      }
      samples.sort((a, b) => a - b);
      wholes.sort((a, b) => a - b);
      console.log(`| ${n} | ${ROUNDS} | ${fmt(quantile(samples, 0.5))} | ${fmt(quantile(samples, 0.99))} | ${fmt(quantile(wholes, 0.5))} | ${fmt(quantile(wholes, 0.99))} | ${fmt(samples[samples.length - 1]!)} |`);
      await leaveAll(instances);
    }

    console.log(`\n### Heartbeat cost: ${IDLE_INSTANCES} idle instances, heartbeat every 1 s, snapshot every 5 s, for ${IDLE_MS / 1000} s\n`);
    const instances = await fleetOf(url, 'bench-idle', IDLE_INSTANCES);
    const before = await commandsProcessed(admin);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const elapsedS = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const after = await commandsProcessed(admin);
    await leaveAll(instances);
    const commands = after - before - 1; // the INFO that closes the window
    const cpuMsPerS = (used.user + used.system) / 1000 / elapsedS / IDLE_INSTANCES;
    console.log('| figure | per instance |');
    console.log('| --- | ---: |');
    console.log(`| CPU (this process), ms per second | ${cpuMsPerS.toFixed(3)} (${((cpuMsPerS / 1000) * 100).toFixed(3)} % of a core) |`);
    console.log(`| Redis commands per second | ${(commands / elapsedS / IDLE_INSTANCES).toFixed(2)} |`);
  } finally {
    admin.disconnect();
    server.kill('SIGKILL');
  }
}
