/**
 * Progress of long work (backups, restores, replays) on stderr: on a terminal a bar redrawn in
 * place; elsewhere (a log, a pipe) no bar, one plain line per 25 % so the log stays readable.
 * Work smaller than `minTotal` is over before either is worth printing: nothing is written.
 */

/** Where progress is written (stderr); `isTTY` picks the bar. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressFormat<P> {
  /** Below this total nothing is printed. */
  minTotal: number;
  done(p: P): number;
  total(p: P): number;
  /** On a terminal: the words before the bar and after its percentage. */
  bar(p: P): { label: string; detail: string };
  /** Elsewhere: the line for a 25 % step (0, 25, 50, 75, 100). */
  line(p: P, percent: number): string;
}

export interface ProgressWriter<P> {
  update(p: P): void;
  /** Ends a drawn bar with a newline; safe to call twice. */
  end(): void;
}

export const PROGRESS_DEFAULTS = {
  barWidth: 30, // fits beside the figures on an 80-column terminal
  stepPercent: 25, // four lines in a log for the whole of the work
} as const;

export function progressWriter<P>(stream: ProgressStream, format: ProgressFormat<P>): ProgressWriter<P> {
  let lastShown = -1;
  let drawn = false;
  return {
    update(p) {
      const total = format.total(p);
      if (total < format.minTotal || total <= 0) return;
      const done = format.done(p);
      const percent = Math.min(100, Math.floor((100 * done) / total));
      if (stream.isTTY) {
        if (percent === lastShown && done !== total) return;
        const width = PROGRESS_DEFAULTS.barWidth;
        const filled = Math.round((width * percent) / 100);
        const { label, detail } = format.bar(p);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${detail}`);
        drawn = true;
        lastShown = percent;
        return;
      }
      const step = Math.floor(percent / PROGRESS_DEFAULTS.stepPercent) * PROGRESS_DEFAULTS.stepPercent;
      if (step <= lastShown) return;
      stream.write(`${format.line(p, step)}\n`);
      lastShown = step;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
