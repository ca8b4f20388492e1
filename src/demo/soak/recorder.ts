/**
 * Records a running demo for the soak, while it runs: the gate's changes, the faults injected, the
 * alert rules' evaluations and errors, the journal against the exchange (checked at every sample),
 * memory and event-loop delay, and whether the ops API answers. It judges nothing (verdict.ts does).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Clock, setTimerOn } from '../../core/clock.js';
import type { Unsubscribe } from '../../core/events.js';
import { orderIntentStates, orderIntents } from '../../storage/repos/order-intents.js';
import type { TimelineEntry } from '../../server/live-events.js';
import type { Demo } from '../demo.js';
import { type GateMode, type HeldOrder, type JournalDrift, type RuleRecord, journalDrift } from './invariants.js';

export interface SoakSample {
  at: number;
  /** Heap in use (after a full collection when one could be forced), bytes. */
  heapUsed: number;
  rss: number;
  /** Event-loop delay since the previous sample: 99th percentile and maximum, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gate: GateMode;
  /** Orders where the journal and the exchange disagreed at this sample. */
  drift: number;
}

export interface FaultWindow {
  name: string;
  from: number;
  /** Undefined while still on at the end of the run. */
  to: number | undefined;
}

export interface SoakRecording {
  startedAt: number;
  endedAt: number;
  gateInitial: GateMode;
  gateChanges: Array<{ at: number; to: GateMode; reason: string }>;
  faults: FaultWindow[];
  samples: SoakSample[];
  rules: RuleRecord[];
  evaluationFailures: Array<{ rule: string; message: string }>;
  /** Every order that disagreed at some sample, as first seen. */
  driftSeen: JournalDrift[];
  apiPolls: { ok: number; failed: number };
  /** What the exchange holds at the end. */
  orders: HeldOrder[];
  /** Whether memory was read after a forced full collection. */
  gcForced: boolean;
}

export interface RecorderOptions {
  clock: Clock;
  sampleMs: number;
  followUpMs: number;
  unresolvedMs: number;
  /** Rules' missing data is not counted before this much time has passed (rate() needs two readings). */
  warmupMs: number;
  /** Base URL of the ops server to poll like a dashboard and a Prometheus would; none: no polling. */
  apiUrl?: string;
}

/** A full garbage collection, when the runtime lets us force one. */
function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export class SoakRecorder {
  private readonly offs: Unsubscribe[] = [];
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private readonly gc = exposeGc();
  private readonly rec: SoakRecording;
  private readonly seenRuleEval = new Map<string, number | undefined>();
  private readonly rules = new Map<string, RuleRecord>();
  private readonly drift = new Map<string, JournalDrift>();
  private cancel: (() => void) | undefined;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly demo: Demo,
    private readonly o: RecorderOptions,
  ) {
    const now = o.clock.now();
    this.rec = {
      startedAt: now,
      endedAt: now,
      gateInitial: demo.gate.mode,
      gateChanges: [],
      faults: [],
      samples: [],
      rules: [],
      evaluationFailures: [],
      driftSeen: [],
      apiPolls: { ok: 0, failed: 0 },
      orders: [],
      gcForced: this.gc !== undefined,
    };
  }

  start(): void {
    const { gate, components } = this.demo;
    this.offs.push(gate.on('stateChange', (c) => this.rec.gateChanges.push({ at: c.at, to: c.to, reason: c.reason })));
    if (components.alerts) {
      this.offs.push(components.alerts.on('evaluationFailed', ({ rule, error }) => this.rec.evaluationFailures.push({ rule, message: error instanceof Error ? error.message : String(error) })));
    }
    this.offs.push(
      components.events.subscribe((event) => {
        if (event.type !== 'timeline') return;
        const entry = event.data as TimelineEntry;
        if (entry.kind !== 'fault') return;
        if (entry.message.startsWith('fault injected')) this.rec.faults.push({ name: entry.subject, from: entry.at, to: undefined });
        else if (entry.message === 'fault cleared') {
          const open = this.rec.faults.findLast((f) => f.name === entry.subject && f.to === undefined);
          if (open) open.to = entry.at;
        }
      }),
    );
    this.loopDelay.enable();
    this.schedule();
  }

  private schedule(): void {
    this.cancel = setTimerOn(this.o.clock, this.o.sampleMs, () => {
      this.sampling = this.sample().finally(() => {
        this.sampling = undefined;
        if (this.cancel) this.schedule();
      });
    });
  }

  /** Takes one sample now. */
  async sample(): Promise<void> {
    const now = this.o.clock.now();
    await this.pollApi();
    const drift = await this.checkJournal(now);
    this.readRules(now);
    const loopDelayP99Ms = this.loopDelay.percentile(99) / 1e6;
    const loopDelayMaxMs = this.loopDelay.max / 1e6;
    this.gc?.();
    const memory = process.memoryUsage();
    // Reset after the collection: its pause lands in the next window's maximum, not its 99th percentile.
    this.loopDelay.reset();
    this.rec.samples.push({ at: now, heapUsed: memory.heapUsed, rss: memory.rss, loopDelayP99Ms, loopDelayMaxMs, gate: this.demo.gate.mode, drift });
  }

  private heldOrders(): HeldOrder[] {
    return this.demo.sim.engine.allOrdersHeld().map((o) => ({ clientOrderId: o.clientOrderId, status: o.status, time: o.time, updateTime: o.updateTime }));
  }

  private async checkJournal(now: number): Promise<number> {
    const held = this.heldOrders();
    const intents = await orderIntents(this.demo.storage).listByState(orderIntentStates);
    const found = journalDrift(intents, held, now, { ...this.o, outages: this.rec.faults });
    for (const d of found) if (!this.drift.has(d.clientOrderId)) this.drift.set(d.clientOrderId, d);
    return found.length;
  }

  private readRules(now: number): void {
    for (const state of this.demo.components.alerts?.list() ?? []) {
      const name = state.rule.name;
      const record = this.rules.get(name) ?? { name, evaluations: 0, withoutData: 0, lastEvaluatedAt: undefined };
      this.rules.set(name, record);
      if (state.lastEvaluatedAt !== undefined && state.lastEvaluatedAt !== this.seenRuleEval.get(name)) {
        this.seenRuleEval.set(name, state.lastEvaluatedAt);
        record.evaluations++;
        record.lastEvaluatedAt = state.lastEvaluatedAt;
        if (!Number.isFinite(state.value) && now - this.rec.startedAt >= this.o.warmupMs) record.withoutData++;
      }
    }
  }

  private async pollApi(): Promise<void> {
    if (!this.o.apiUrl) return;
    for (const path of ['/metrics', '/api/overview']) {
      try {
        const response = await fetch(`${this.o.apiUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
        await response.arrayBuffer();
        if (response.ok) this.rec.apiPolls.ok++;
        else this.rec.apiPolls.failed++;
      } catch {
        this.rec.apiPolls.failed++;
      }
    }
  }

  /** Stops recording after a last sample; returns what was recorded. */
  async stop(): Promise<SoakRecording> {
    this.cancel?.();
    this.cancel = undefined;
    await this.sampling;
    await this.sample();
    for (const off of this.offs.splice(0)) off();
    this.loopDelay.disable();
    this.rec.endedAt = this.o.clock.now();
    this.rec.rules = [...this.rules.values()];
    this.rec.driftSeen = [...this.drift.values()];
    this.rec.orders = this.heldOrders();
    return this.rec;
  }
}
