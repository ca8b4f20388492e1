/**
 * What an operator set by hand (a pinned endpoint or a forced priority level; drains live on the
 * endpoints) and the checks every manual change passes first: a reason (and, when given, an actor)
 * as non-empty strings, an endpoint the group has, a priority level the group has. A check that
 * fails throws before anything changes, naming the group, the field and the value.
 */
import { checkArray, checkInteger, checkNonEmptyString, checkObject } from '../core/option-checks.js';
import type { EndpointRecord } from './endpoint-record.js';
import type { ManualChange, ManualRouting } from './types.js';

export class ManualControl<T> {
  pinned: EndpointRecord<T> | undefined;
  forcedPriority: number | undefined;
  private readonly byName: ReadonlyMap<string, EndpointRecord<T>>;
  private readonly levels: readonly number[];

  constructor(
    private readonly where: string,
    private readonly endpoints: ReadonlyArray<EndpointRecord<T>>,
  ) {
    this.byName = new Map(endpoints.map((e) => [e.name, e]));
    this.levels = [...new Set(endpoints.map((e) => e.priority))].sort((a, b) => a - b);
  }

  checkChange(change: ManualChange): void {
    checkObject(this.where, 'change', change, "like { reason: 'exchange maintenance', actor: 'alice' }");
    checkNonEmptyString(this.where, 'change.reason', change.reason, true);
    if (change.actor !== undefined) checkNonEmptyString(this.where, 'change.actor', change.actor, true);
  }

  endpointNamed(name: string): EndpointRecord<T> {
    const e = this.byName.get(name);
    if (e === undefined) throw new RangeError(`${this.where}: endpoint must be one of ${this.endpoints.map((r) => `"${r.name}"`).join(', ')}, got ${JSON.stringify(name)}`);
    return e;
  }

  /** The endpoint to drain; the pinned one may not be (unpin first). */
  drainable(name: string): EndpointRecord<T> {
    const e = this.endpointNamed(name);
    if (this.pinned === e) throw new RangeError(`${this.where}: cannot drain "${name}" while it is pinned; call automatic() first`);
    return e;
  }

  /** The endpoint to pin; a drained one may not be (undrain first). */
  pinnable(name: string): EndpointRecord<T> {
    const e = this.endpointNamed(name);
    if (e.drained) throw new RangeError(`${this.where}: cannot pin "${name}": it is drained; undrain it first`);
    return e;
  }

  checkPriority(priority: number): void {
    checkInteger(this.where, 'priority', priority, 0);
    if (!this.levels.includes(priority)) throw new RangeError(`${this.where}: priority must be one of the group's levels (${this.levels.join(', ')}), got ${priority}`);
  }

  /** Checks a saved state whole before any of it is applied; returns the endpoints to drain. */
  checkRestore(state: ManualRouting): Set<EndpointRecord<T>> {
    checkObject(this.where, 'manual', state, "like { drained: ['api2'] }");
    checkArray(this.where, 'manual.drained', state.drained, 0, 'of endpoint names');
    const drained = new Set(state.drained.map((name) => this.endpointNamed(name)));
    if (state.pinned !== undefined && drained.has(this.endpointNamed(state.pinned))) {
      throw new RangeError(`${this.where}: manual.pinned must not be drained too, got "${state.pinned}" in both`);
    }
    if (state.forcedPriority !== undefined) this.checkPriority(state.forcedPriority);
    return drained;
  }

  routing(): ManualRouting {
    return {
      drained: this.endpoints.filter((e) => e.drained).map((e) => e.name),
      ...(this.pinned === undefined ? {} : { pinned: this.pinned.name }),
      ...(this.forcedPriority === undefined ? {} : { forcedPriority: this.forcedPriority }),
    };
  }
}
