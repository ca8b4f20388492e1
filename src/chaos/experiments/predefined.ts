/**
 * The experiments shipped with the package (the `experiments/` folder at its root), by name: the
 * file's base name without `.yaml`, e.g. `exchange-maintenance`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Experiment } from './experiment-schema.js';
import { parseExperiment } from './experiment-file.js';

/** src/chaos/experiments/ and dist/chaos/experiments/ both sit three folders below the package root. */
const folder = fileURLToPath(new URL('../../../experiments/', import.meta.url));

export function predefinedExperimentNames(): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** The shipped experiment of that name, or undefined. */
export function predefinedExperiment(name: string): Experiment | undefined {
  if (!predefinedExperimentNames().includes(name)) return undefined;
  return parseExperiment(readFileSync(`${folder}${name}.yaml`, 'utf8'), `${name}.yaml`);
}
