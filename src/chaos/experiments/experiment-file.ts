/**
 * Reads an experiment file (YAML, or JSON, which is YAML too) into a checked `Experiment`. Every
 * error names the file (its base name only), the key and the reason:
 * `maintenance.yaml: method.0.durationMs: Too small: expected number to be >=0`.
 */
import { basename } from 'node:path';
import { parse } from 'yaml';
import { type Experiment, experimentSchema } from './experiment-schema.js';

export class ExperimentFileError extends Error {
  override readonly name = 'ExperimentFileError';
  readonly code = 'EXPERIMENT_INVALID';
  constructor(
    /** The file's base name. */
    readonly file: string,
    /** The key at fault, dotted (`method.0.action`), or `(root)`. */
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${file}: ${key}: ${reason}`);
  }
}

/** Parses experiment text; `fileName` is only used in messages, by its base name. */
export function parseExperiment(text: string, fileName = 'experiment'): Experiment {
  const file = basename(fileName);
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new ExperimentFileError(file, '(root)', `not valid YAML: ${reason}`);
  }
  return checkExperiment(data, file);
}

/** Checks an already-parsed experiment object (an API body, a test's literal). */
export function checkExperiment(data: unknown, file = 'experiment'): Experiment {
  const parsed = experimentSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ExperimentFileError(basename(file), issue.path.join('.') || '(root)', issue.message);
}
