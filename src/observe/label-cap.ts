/**
 * Caps label cardinality: each label keeps at most `max` distinct values; later new values are
 * folded into `other`, so a bug that names a breaker after every order id cannot blow up the
 * metrics store.
 */
import { checkInteger } from '../core/option-checks.js';

export const OVERFLOW_LABEL = 'other';

export class LabelCap {
  private readonly seen = new Map<string, Set<string>>();
  /** How many values were folded into `other`, per label. */
  readonly folded = new Map<string, number>();

  constructor(private readonly max: number) {
    checkInteger('createMetrics', 'maxLabelValues', max, 1);
  }

  value(label: string, value: string): string {
    let values = this.seen.get(label);
    if (!values) {
      values = new Set();
      this.seen.set(label, values);
    }
    if (values.has(value)) return value;
    if (values.size >= this.max) {
      this.folded.set(label, (this.folded.get(label) ?? 0) + 1);
      return OVERFLOW_LABEL;
    }
    values.add(value);
    return value;
  }
}
