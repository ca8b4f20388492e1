/** `roundRobin`: each candidate in turn, weights ignored. */
import type { EndpointRecord } from '../endpoint-record.js';
import type { RoutingPlan } from '../routing-plan.js';
import type { Picker } from './picker.js';

export class RoundRobinPicker<T> implements Picker<T> {
  private candidates: ReadonlyArray<EndpointRecord<T>> = [];
  private cursor = 0;

  reset(plan: RoutingPlan<T>): void {
    this.candidates = plan.all;
    // Keep the position so a plan change does not send the next calls back to the first endpoint.
    if (this.cursor >= this.candidates.length) this.cursor = 0;
  }

  pick(): EndpointRecord<T> {
    const chosen = this.candidates[this.cursor]!;
    this.cursor = this.cursor + 1 === this.candidates.length ? 0 : this.cursor + 1;
    return chosen;
  }

  pickAmong(candidates: ReadonlyArray<EndpointRecord<T>>): EndpointRecord<T> {
    // The next one at or after the cursor that is still allowed; the rotation moves on past it.
    const all = this.candidates;
    for (let i = 0; i < all.length; i++) {
      const at = (this.cursor + i) % all.length;
      const e = all[at]!;
      if (candidates.includes(e)) {
        this.cursor = (at + 1) % all.length;
        return e;
      }
    }
    return candidates[0]!;
  }
}
