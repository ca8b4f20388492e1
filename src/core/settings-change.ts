/**
 * The event every component with settings that can change at run time emits (`settingsChange`):
 * the settings in force before and after, and when. One name and one shape across the breaker,
 * retry and the exchange wrapper, so a binder or a timeline reads them all the same way.
 */
export interface SettingsChange<S> {
  from: S;
  to: S;
  /** Clock time (ms). */
  at: number;
}
