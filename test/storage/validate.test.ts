import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/storage/errors.js';
import { validate } from '../../src/storage/validate.js';

const schema = z.object({ amount: z.number().positive(), params: z.object({ stopPrice: z.number() }) });

describe('validate', () => {
  it('returns the parsed value when it is valid', () => {
    expect(validate('order', schema, { amount: 1, params: { stopPrice: 2 } })).toEqual({ amount: 1, params: { stopPrice: 2 } });
  });

  it('throws a ValidationError naming the first bad field by its dotted path', () => {
    let caught: unknown;
    try {
      validate('order', schema, { amount: 1, params: { stopPrice: 'x' } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.code).toBe('VALIDATION');
    expect(error.field).toBe('params.stopPrice');
    expect(error.message).toMatch(/^order: field "params\.stopPrice" /);
  });

  it('lists every problem with its field', () => {
    try {
      validate('order', schema, { amount: -1, params: {} });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(['amount', 'params.stopPrice']);
    }
  });
});
