/**
 * Applies a fleet command to the process's own gate and breakers, through their own API, with
 * the sender as `by`. Applying the same command twice (a redelivery after a reconnect) does no
 * more than applying it once: isolations are held once per breaker.
 */
import type { SentCommand } from './commands.js';
import { type FleetSources, fleetBreakerName } from './sources.js';

export interface CommandOutcome {
  outcome: 'applied' | 'failed';
  message: string;
}

export class CommandApplier {
  /** Isolations made by fleet commands, held until a `release` or `reset` command. */
  private readonly held = new Map<string, { release(): void }>();

  constructor(private readonly sources: FleetSources) {}

  apply(sent: SentCommand): CommandOutcome {
    const { command, by } = sent;
    const gate = this.sources.gate;
    switch (command.type) {
      case 'halt':
        if (!gate) return { outcome: 'failed', message: 'no trading gate in this instance' };
        gate.kill(command.reason, by);
        return { outcome: 'applied', message: `halted: ${command.reason}` };
      case 'resume': {
        if (!gate) return { outcome: 'failed', message: 'no trading gate in this instance' };
        return { outcome: 'applied', message: gate.resume(command.reason ?? `resumed by ${by}`, by).message };
      }
      case 'isolate':
      case 'release':
      case 'reset': {
        const breaker = this.sources.breakers?.breakers().find((b) => fleetBreakerName(b) === command.breaker);
        if (!breaker) return { outcome: 'failed', message: `no breaker named "${command.breaker}" in this instance` };
        const handle = this.held.get(command.breaker);
        if (command.type === 'isolate') {
          if (!handle) this.held.set(command.breaker, breaker.isolate());
          return { outcome: 'applied', message: handle ? `breaker ${command.breaker} was already isolated by the fleet` : `breaker ${command.breaker} isolated` };
        }
        handle?.release();
        this.held.delete(command.breaker);
        if (command.type === 'reset') {
          breaker.reset();
          return { outcome: 'applied', message: `breaker ${command.breaker} reset` };
        }
        return { outcome: 'applied', message: handle ? `breaker ${command.breaker} released` : `breaker ${command.breaker} was not isolated by the fleet` };
      }
    }
  }
}
