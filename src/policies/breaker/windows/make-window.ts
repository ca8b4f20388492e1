/** The window a breaker's options ask for. */
import type { ResolvedOptions } from '../options.js';
import { ConsecutiveWindow } from './consecutive.js';
import { CountWindow } from './count.js';
import { TimeWindow } from './time.js';
import type { OutcomeWindow } from './window.js';

export function makeWindow(o: ResolvedOptions): OutcomeWindow {
  switch (o.window.kind) {
    case 'consecutive':
      return new ConsecutiveWindow(o.window.failures);
    case 'count':
      return new CountWindow(o.window.size, o);
    case 'time':
      return new TimeWindow(o.window.ms, o);
  }
}
