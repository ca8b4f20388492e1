/**
 * Smooth weighted round robin (nginx's): each pick adds every candidate's weight to its running
 * score, takes the highest score and subtracts the total from it. Over any window of `total`
 * picks each candidate gets its share, and the picks are spread out (weights 5,1,1 give
 * a a b a c a a, not a a a a a b c). Deterministic, no randomness.
 */
import type { EndpointRecord } from '../endpoint-record.js';
import type { Picker } from './picker.js';
import { weightedRandom } from './picker.js';

/** SWRR over one fixed list of endpoints; the `weighted` picker and each priority level use one. */
export class SmoothWeightedRotation<T> {
  private candidates: ReadonlyArray<EndpointRecord<T>> = [];
  private weights = new Float64Array(0);
  private scores = new Float64Array(0);
  private total = 0;

  reset(candidates: ReadonlyArray<EndpointRecord<T>>): void {
    const previous = new Map(this.candidates.map((e, i) => [e, this.scores[i]!]));
    this.candidates = candidates;
    this.weights = new Float64Array(candidates.length);
    this.scores = new Float64Array(candidates.length);
    this.total = 0;
    candidates.forEach((e, i) => {
      this.weights[i] = e.effectiveWeight;
      // Scores carry over, so a weight refresh (slow start) does not restart the rotation.
      this.scores[i] = previous.get(e) ?? 0;
      this.total += e.effectiveWeight;
    });
  }

  next(): EndpointRecord<T> {
    const { weights, scores } = this;
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]! + weights[i]!;
      scores[i] = s;
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    scores[best] = bestScore - this.total;
    return this.candidates[best]!;
  }
}

/** `weighted`: smooth weighted round robin over every candidate, priorities ignored. */
export class WeightedPicker<T> implements Picker<T> {
  private readonly rotation = new SmoothWeightedRotation<T>();

  constructor(private readonly random: () => number) {}

  reset(plan: { all: ReadonlyArray<EndpointRecord<T>> }): void {
    this.rotation.reset(plan.all);
  }

  pick(): EndpointRecord<T> {
    return this.rotation.next();
  }

  pickAmong(candidates: ReadonlyArray<EndpointRecord<T>>): EndpointRecord<T> {
    return weightedRandom(candidates, this.random);
  }
}
