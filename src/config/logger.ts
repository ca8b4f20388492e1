/**
 * The toolkit's logger: pino with the current correlation id on every line and secrets
 * redacted from every field and message.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { correlationMixin } from '../core/correlation.js';
import { redactSecrets, sanitizeText } from '../core/secrets.js';

export interface LoggerOptions {
  level?: string;
  /** Where lines go (default stdout). */
  destination?: DestinationStream;
  /** Fixed fields on every line, e.g. `{ service: 'bulwark' }`. */
  base?: Record<string, unknown>;
}

export const LOGGER_DEFAULTS = {
  level: 'info', // state changes and errors, without per-call noise
} as const;

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? LOGGER_DEFAULTS.level,
      base: options.base ?? {},
      mixin: correlationMixin,
      formatters: {
        log: (object) => {
          const { err, ...rest } = object as Record<string, unknown>;
          const clean = redactSecrets(rest);
          if (err instanceof Error) clean.err = { type: err.name, message: sanitizeText(err.message), stack: sanitizeText(err.stack ?? '') };
          else if (err !== undefined) clean.err = redactSecrets(err);
          return clean;
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? sanitizeText(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
