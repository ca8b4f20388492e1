/** ANSI colours for terminal output; plain text when not a TTY or when NO_COLOR is set to a non-empty value. */
export interface Paint {
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  dim(text: string): string;
}

const wrap = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string): string => text;

export function paint(enabled: boolean): Paint {
  return enabled ? { green: wrap(32), yellow: wrap(33), red: wrap(31), dim: wrap(2) } : { green: plain, yellow: plain, red: plain, dim: plain };
}

/** Colours on a terminal unless NO_COLOR is set; an empty NO_COLOR counts as unset (https://no-color.org). */
export function colorsWanted(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && (env.NO_COLOR ?? '') === '';
}

/** Pads cells into aligned columns. ANSI codes are ignored when measuring width. */
export function table(rows: string[][]): string {
  // eslint-disable-next-line no-control-regex -- ANSI escapes start with the ESC control character
  const width = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell)))).join('  ').trimEnd()).join('\n');
}
