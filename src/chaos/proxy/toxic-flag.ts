/**
 * A toxic written on one line, for the command line and configuration files:
 * `TYPE[:DIRECTION][:KEY=VALUE,...]`, e.g. `latency:downstream:latency=200,jitter=50`. Keys are the
 * attribute names (`latencyMs`) or toxiproxy's short ones (`latency`, `jitter`, `rate`, `delay`,
 * `timeout`, `bytes`, `average_size`, `size_variation`); `name=` and `toxicity=` set those fields.
 */
import { resolveToxic, TOXIC_DIRECTIONS, type ToxicDirection, type ToxicSpec, type ToxicType, TOXIC_TYPES } from './toxic.js';

/** toxiproxy's attribute names (and short forms) → ours, per type. */
const ALIASES: Readonly<Record<ToxicType, Readonly<Record<string, string>>>> = {
  latency: { latency: 'latencyMs', jitter: 'jitterMs' },
  bandwidth: { rate: 'kilobytesPerSecond' },
  slowClose: { delay: 'delayMs' },
  timeout: { timeout: 'timeoutMs' },
  resetPeer: { timeout: 'delayMs', delay: 'delayMs' },
  slicer: { average_size: 'averageSize', size_variation: 'sizeVariation', delay: 'delayMs' },
  limitData: {},
};

/** The toxic a `--toxic` flag describes, checked; errors quote the flag. */
export function parseToxicFlag(text: string): ReturnType<typeof resolveToxic> {
  const [type, second, third, ...rest] = text.trim().split(':');
  if (rest.length > 0) throw new RangeError(`--toxic must be TYPE[:DIRECTION][:KEY=VALUE,...], got ${JSON.stringify(text)}`);
  if (!TOXIC_TYPES.includes(type as ToxicType)) throw new RangeError(`--toxic type must be one of ${TOXIC_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  let direction: string | undefined = second;
  let pairs = third;
  if (second !== undefined && second.includes('=')) {
    if (third !== undefined) throw new RangeError(`--toxic must be TYPE[:DIRECTION][:KEY=VALUE,...], got ${JSON.stringify(text)}`);
    direction = undefined;
    pairs = second;
  }
  if (direction !== undefined && direction !== '' && !TOXIC_DIRECTIONS.includes(direction as ToxicDirection)) {
    throw new RangeError(`--toxic direction must be upstream or downstream, got ${JSON.stringify(direction)}`);
  }
  const spec: Record<string, unknown> = { type, ...(direction ? { direction } : {}) };
  const attributes: Record<string, number> = {};
  for (const pair of (pairs ?? '').split(',').filter((p) => p.trim() !== '')) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1).trim();
    if (at < 1 || raw === '') throw new RangeError(`--toxic attribute must be KEY=VALUE, got ${JSON.stringify(pair)}`);
    if (key === 'name') {
      spec.name = raw;
      continue;
    }
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new RangeError(`--toxic ${key} must be a number, got ${JSON.stringify(raw)}`);
    if (key === 'toxicity') spec.toxicity = value;
    else attributes[ALIASES[type as ToxicType][key] ?? key] = value;
  }
  spec.attributes = attributes;
  return resolveToxic(spec as ToxicSpec);
}
