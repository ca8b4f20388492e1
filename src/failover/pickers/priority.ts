/**
 * `priority`: a level is drawn by the plan's loads (Envoy's overprovisioned spill), then an
 * endpoint within it by smooth weighted round robin. While one level takes all the traffic (the
 * usual case) no random number is drawn.
 */
import type { EndpointRecord } from '../endpoint-record.js';
import type { RoutingPlan } from '../routing-plan.js';
import type { Picker } from './picker.js';
import { weightedRandom } from './picker.js';
import { SmoothWeightedRotation } from './smooth-weighted.js';

export class PriorityPicker<T> implements Picker<T> {
  private rotations: Array<SmoothWeightedRotation<T>> = [];
  /** Cumulative loads: level i takes a draw below cumulative[i]. */
  private cumulative = new Float64Array(0);
  /** Rotations by level priority, kept across plans so a level's rotation survives a refresh. */
  private readonly byPriority = new Map<number, SmoothWeightedRotation<T>>();

  constructor(private readonly random: () => number) {}

  reset(plan: RoutingPlan<T>): void {
    this.rotations = plan.levels.map((level) => {
      let rotation = this.byPriority.get(level.priority);
      if (rotation === undefined) {
        rotation = new SmoothWeightedRotation<T>();
        this.byPriority.set(level.priority, rotation);
      }
      rotation.reset(level.endpoints);
      return rotation;
    });
    this.cumulative = new Float64Array(plan.levels.length);
    let sum = 0;
    plan.levels.forEach((level, i) => {
      sum += level.load;
      this.cumulative[i] = sum;
    });
  }

  pick(): EndpointRecord<T> {
    const rotations = this.rotations;
    if (rotations.length === 1) return rotations[0]!.next();
    const draw = this.random() * this.cumulative[this.cumulative.length - 1]!;
    for (let i = 0; i < rotations.length - 1; i++) if (draw < this.cumulative[i]!) return rotations[i]!.next();
    return rotations[rotations.length - 1]!.next();
  }

  pickAmong(candidates: ReadonlyArray<EndpointRecord<T>>): EndpointRecord<T> {
    // The most preferred level among the allowed ones, weighted within it.
    let best = Infinity;
    for (const e of candidates) best = Math.min(best, e.priority);
    return weightedRandom(
      candidates.filter((e) => e.priority === best),
      this.random,
    );
  }
}
