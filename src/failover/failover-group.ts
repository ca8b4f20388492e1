/** failoverGroup(): placeholder until the implementation lands. */
import type { FailoverGroupOptions } from './options.js';
import type { FailoverGroup } from './types.js';

export function failoverGroup<T>(options: FailoverGroupOptions<T>): FailoverGroup<T> {
  void options;
  throw new Error('failoverGroup: not implemented yet');
}
