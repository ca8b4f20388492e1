/**
 * Intent ids and client order ids. The client order id is a pure function of the intent id, so
 * a process that restarts with an intent in its journal looks up the very id it sent.
 */
import { checkInteger, checkNonEmptyString } from '../../core/option-checks.js';
import { hash } from 'node:crypto';
import { withDefaults } from '../../core/options.js';

export interface ClientOrderIdOptions {
  /** Prefix that marks the toolkit's orders on the exchange. */
  prefix?: string;
  /** Longest id the exchange accepts (Binance 36, OKX 32, Bybit 36). */
  maxLength?: number;
}

export const CLIENT_ORDER_ID_DEFAULTS = {
  // Short and recognisable in an exchange's order history.
  prefix: 'bw',
  // OKX's 32 is the tightest of the major venues; one id fits them all.
  maxLength: 32,
} satisfies Required<ClientOrderIdOptions>;

/** Letters and digits only: every venue accepts them (OKX refuses '-' and '_'). */
const SAFE = /^[A-Za-z0-9]*$/;

/** The client order id of an intent: prefix + base62 of SHA-256(intentId), cut to maxLength. */
export function clientOrderIdFor(intentId: string, options: ClientOrderIdOptions = NO_OPTIONS): string {
  if (typeof intentId !== 'string' || intentId.length === 0) checkNonEmptyString('clientOrderIdFor', 'intentId', intentId);
  const { prefix, maxLength } = resolved.get(options) ?? resolve(options);
  return (prefix + base62(hash('sha256', intentId, 'buffer'))).slice(0, maxLength);
}

const NO_OPTIONS: ClientOrderIdOptions = Object.freeze({});
/** Options already checked (the order path passes the same object with every order). */
const resolved = new WeakMap<ClientOrderIdOptions, Required<ClientOrderIdOptions>>();

function resolve(options: ClientOrderIdOptions): Required<ClientOrderIdOptions> {
  const { prefix, maxLength } = withDefaults(CLIENT_ORDER_ID_DEFAULTS, options);
  if (!SAFE.test(prefix)) throw new RangeError(`clientOrderIdFor: prefix must be letters and digits only, got "${prefix}"`);
  // At least 16 characters of hash after the prefix keep the ids unique.
  checkInteger('clientOrderIdFor', 'maxLength', maxLength, prefix.length + 16);
  const checked = { prefix, maxLength };
  // Frozen options cannot change after the check; others are checked on every call.
  if (Object.isFrozen(options)) resolved.set(options, checked);
  return checked;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Base62 digits of a 256-bit number: 62^43 > 2^256, so always 43 (leading zeros kept). */
const DIGITS = 43;
/** Four base62 digits at a time: 62^4 < 2^24, so a 24-bit limb times it plus a limb stays below 2^48, exact in a double. */
const CHUNK = 62 ** 4;
const LIMB = 2 ** 24;

/**
 * The 32-byte digest as a big-endian number in base62, most significant digit first: long
 * division of eleven 24-bit limbs by 62^4, four digits per pass. The same digits as BigInt
 * arithmetic, at a fraction of its cost, on every order's path.
 */
function base62(bytes: Uint8Array): string {
  // 256 bits as 11 limbs of 24 bits, most significant first (the first holds the top 16 bits).
  const limbs = new Array<number>(11);
  limbs[0] = (bytes[0]! << 8) | bytes[1]!;
  for (let i = 1; i < 11; i++) {
    const at = 2 + 3 * (i - 1);
    limbs[i] = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
  }
  let out = '';
  let first = 0;
  for (let written = 0; written < DIGITS; written += 4) {
    let rest = 0;
    for (let i = first; i < 11; i++) {
      const value = rest * LIMB + limbs[i]!;
      const quotient = Math.floor(value / CHUNK);
      limbs[i] = quotient;
      rest = value - quotient * CHUNK;
    }
    while (first < 11 && limbs[first] === 0) first++;
    for (let d = 0; d < 4; d++) {
      out = ALPHABET[rest % 62]! + out;
      rest = Math.floor(rest / 62);
    }
  }
  // 44 digits from 11 passes of 4: the number fits in 43, so the first is always 0.
  return out.slice(1);
}

/** A fresh intent id from `random` (inject a seeded one in tests). */
export function newIntentId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 4; i++) id += Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return id;
}
