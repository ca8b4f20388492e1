/** A time in a query string: milliseconds since the epoch or an ISO 8601 date, as the audit and analytics routes take it. */
import { z } from 'zod';

export const instant = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'a time in milliseconds since the epoch or an ISO 8601 date' });
      return z.NEVER;
    }
    return ms;
  });
