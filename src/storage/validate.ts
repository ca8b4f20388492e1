import type { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Parses `input` with `schema` before it is written. On failure throws a ValidationError whose
 * message and `field` name the first offending field (dotted path), e.g.
 * `order intent: field "amount" Too small: expected number to be >0`.
 */
export function validate<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.map((part) => String(part)).join('.'),
    message: issue.message,
  }));
  throw new ValidationError(what, issues);
}
