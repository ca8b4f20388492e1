/**
 * A toxic: one fault the proxy applies to the bytes flowing one way, shaped like toxiproxy's.
 * `upstream` is the client's bytes on their way to the server, `downstream` the server's on their
 * way back. `toxicity` is the share of connections it applies to, drawn once per connection (and
 * again when the toxic is updated) from the proxy's seeded random source.
 *
 * | type        | attributes                                  | effect                                                       |
 * |-------------|---------------------------------------------|--------------------------------------------------------------|
 * | `latency`   | `latencyMs`, `jitterMs`                     | each chunk leaves latencyMs ± jitterMs after it arrived      |
 * | `bandwidth` | `kilobytesPerSecond` (0: unlimited)         | bytes leave no faster than the rate                          |
 * | `slowClose` | `delayMs`                                   | the end of the stream is passed on delayMs late              |
 * | `timeout`   | `timeoutMs` (0: never)                      | data is swallowed; the connection closes timeoutMs after the last data |
 * | `resetPeer` | `delayMs`                                   | on data, both sides are reset (TCP RST) delayMs later        |
 * | `slicer`    | `averageSize`, `sizeVariation`, `delayMs`   | chunks are cut into small pieces, delayMs apart              |
 * | `limitData` | `bytes`                                     | the connection closes once that many bytes went through      |
 */
import { checkInteger, checkNonEmptyString, checkNumber, checkObject, checkOneOf } from '../../core/option-checks.js';

export const TOXIC_TYPES = ['latency', 'bandwidth', 'slowClose', 'timeout', 'resetPeer', 'slicer', 'limitData'] as const;
export type ToxicType = (typeof TOXIC_TYPES)[number];

export const TOXIC_DIRECTIONS = ['upstream', 'downstream'] as const;
/** `upstream`: client → server; `downstream`: server → client. */
export type ToxicDirection = (typeof TOXIC_DIRECTIONS)[number];

export interface ToxicAttributes {
  latency: { latencyMs: number; jitterMs: number };
  bandwidth: { kilobytesPerSecond: number };
  slowClose: { delayMs: number };
  timeout: { timeoutMs: number };
  resetPeer: { delayMs: number };
  slicer: { averageSize: number; sizeVariation: number; delayMs: number };
  limitData: { bytes: number };
}

/** A toxic as the proxy holds it: every field set. */
export type Toxic = {
  [T in ToxicType]: { name: string; type: T; direction: ToxicDirection; toxicity: number; attributes: ToxicAttributes[T] };
}[ToxicType];

/** A toxic as a caller gives it: name, direction, toxicity and each attribute have defaults. */
export type ToxicSpec = {
  [T in ToxicType]: { name?: string; type: T; direction?: ToxicDirection; toxicity?: number; attributes?: Partial<ToxicAttributes[T]> };
}[ToxicType];

/** What an update may change: everything but the name and the type. */
export interface ToxicPatch {
  direction?: ToxicDirection;
  toxicity?: number;
  attributes?: Record<string, number>;
}

export const TOXIC_DEFAULTS = {
  direction: 'downstream' as ToxicDirection, // toxiproxy's default: the answers are what a client waits on
  toxicity: 1, // every connection, until the caller asks for a share
} as const;

/** Defaults of each type's attributes (toxiproxy's, in our units). */
export const TOXIC_ATTRIBUTE_DEFAULTS: { readonly [T in ToxicType]: Readonly<ToxicAttributes[T]> } = {
  latency: {
    latencyMs: 0, // no delay until asked: a toxic named but not set does no harm
    jitterMs: 0, // the same delay for every chunk unless asked
  },
  bandwidth: { kilobytesPerSecond: 0 }, // 0: unlimited, as toxiproxy's rate 0
  slowClose: { delayMs: 0 }, // close passed on at once until a delay is given
  timeout: { timeoutMs: 0 }, // hold for ever: the connection only ends when the toxic goes or the peer gives up
  resetPeer: { delayMs: 0 }, // reset on the first data
  slicer: {
    averageSize: 8, // bytes per piece: small enough to split every protocol message
    sizeVariation: 0, // pieces of the same size unless asked
    delayMs: 0, // pieces back to back: fragmentation without delay
  },
  limitData: { bytes: 0 }, // close on the first data
};

/** The bounds of each attribute: integers >= 0, sizes >= 1. */
const ATTRIBUTE_MINIMUM: Readonly<Record<string, number>> = { averageSize: 1 };
/** Delays past a day are mistakes (a unit mix-up), not experiments. */
const MAX_MS = 86_400_000;

/** A default name, as toxiproxy's: `<type>_<direction>`. */
export function defaultToxicName(type: ToxicType, direction: ToxicDirection): string {
  return `${type}_${direction}`;
}

/** Checks one attribute value; `component` names the toxic in the message. */
function checkAttribute(component: string, key: string, value: unknown): void {
  const min = ATTRIBUTE_MINIMUM[key] ?? 0;
  const max = key.endsWith('Ms') ? MAX_MS : Number.MAX_SAFE_INTEGER;
  checkInteger(component, `attributes.${key}`, value as number, min, false, max);
}

/** Fills `attributes` of `type` from the defaults, refusing unknown keys and bad values. */
function resolveAttributes(component: string, type: ToxicType, given: Record<string, unknown>, base: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...base };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!(key in base)) throw new RangeError(`${component}: attributes.${key} is not an attribute of a ${type} toxic (it has ${Object.keys(base).join(', ')})`);
    checkAttribute(component, key, value);
    out[key] = value as number;
  }
  if (type === 'slicer' && (out.sizeVariation as number) >= (out.averageSize as number)) {
    throw new RangeError(`${component}: attributes.sizeVariation must be less than attributes.averageSize (${out.averageSize}), got ${out.sizeVariation}`);
  }
  return out;
}

const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** A complete toxic from a caller's spec; errors name the field and the reason. */
export function resolveToxic(spec: ToxicSpec): Toxic {
  checkObject('toxic', 'spec', spec, '{ type, direction?, toxicity?, attributes? }');
  checkOneOf('toxic', 'type', spec.type, TOXIC_TYPES);
  const direction = spec.direction ?? TOXIC_DEFAULTS.direction;
  checkOneOf('toxic', 'direction', direction, TOXIC_DIRECTIONS);
  const name = spec.name ?? defaultToxicName(spec.type, direction);
  checkNonEmptyString('toxic', 'name', name);
  if (!NAME.test(name)) throw new RangeError(`toxic: name must be 1-100 letters, digits or . _ -, got ${JSON.stringify(name)}`);
  const toxicity = spec.toxicity ?? TOXIC_DEFAULTS.toxicity;
  checkNumber(`toxic ${name}`, 'toxicity', toxicity, 0, 1);
  if (spec.attributes !== undefined) checkObject(`toxic ${name}`, 'attributes', spec.attributes);
  const attributes = resolveAttributes(`toxic ${name}`, spec.type, (spec.attributes ?? {}) as Record<string, unknown>, TOXIC_ATTRIBUTE_DEFAULTS[spec.type] as Record<string, number>);
  return { name, type: spec.type, direction, toxicity, attributes } as Toxic;
}

/** `toxic` with `patch` applied, checked the same way; attributes not named keep their values. */
export function patchToxic(toxic: Toxic, patch: ToxicPatch): Toxic {
  checkObject(`toxic ${toxic.name}`, 'patch', patch);
  const direction = patch.direction ?? toxic.direction;
  checkOneOf(`toxic ${toxic.name}`, 'direction', direction, TOXIC_DIRECTIONS);
  const toxicity = patch.toxicity ?? toxic.toxicity;
  checkNumber(`toxic ${toxic.name}`, 'toxicity', toxicity, 0, 1);
  if (patch.attributes !== undefined) checkObject(`toxic ${toxic.name}`, 'attributes', patch.attributes);
  const attributes = resolveAttributes(`toxic ${toxic.name}`, toxic.type, patch.attributes ?? {}, toxic.attributes as unknown as Record<string, number>);
  return { ...toxic, direction, toxicity, attributes } as Toxic;
}
