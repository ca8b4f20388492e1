/**
 * Intent ids and client order ids. The client order id is a pure function of the intent id, so
 * a process that restarts with an intent in its journal looks up the very id it sent.
 */
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
export function clientOrderIdFor(intentId: string, options: ClientOrderIdOptions = {}): string {
  const { prefix, maxLength } = withDefaults(CLIENT_ORDER_ID_DEFAULTS, options);
  if (typeof intentId !== 'string' || intentId.length === 0) throw new TypeError('clientOrderIdFor: intentId must be a non-empty string');
  if (!SAFE.test(prefix)) throw new RangeError(`clientOrderIdFor: prefix must be letters and digits only, got "${prefix}"`);
  if (!(Number.isInteger(maxLength) && maxLength >= prefix.length + 16)) {
    throw new RangeError(`clientOrderIdFor: maxLength must be an integer >= prefix length + 16 (enough hash to stay unique), got ${maxLength}`);
  }
  return (prefix + base62(hash('sha256', intentId, 'buffer'))).slice(0, maxLength);
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Base62 digits of a 256-bit number: 62^43 > 2^256, so always 43 (leading zeros kept). */
const DIGITS = 43;

/**
 * The 32-byte digest as a big-endian number in base62, most significant digit first. Long
 * division of eight 32-bit limbs by 62 (every intermediate stays below 2^38, exact in a double):
 * the same digits as BigInt arithmetic at a fraction of its cost, on every order's path.
 */
function base62(bytes: Uint8Array): string {
  const limbs = new Array<number>(8);
  for (let i = 0; i < 8; i++) limbs[i] = ((bytes[4 * i]! << 24) | (bytes[4 * i + 1]! << 16) | (bytes[4 * i + 2]! << 8) | bytes[4 * i + 3]!) >>> 0;
  const digits = new Array<string>(DIGITS);
  for (let d = DIGITS - 1; d >= 0; d--) {
    let rest = 0;
    for (let i = 0; i < 8; i++) {
      const value = rest * 0x1_0000_0000 + limbs[i]!;
      const quotient = Math.floor(value / 62);
      limbs[i] = quotient;
      rest = value - quotient * 62;
    }
    digits[d] = ALPHABET[rest]!;
  }
  return digits.join('');
}

/** A fresh intent id from `random` (inject a seeded one in tests). */
export function newIntentId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 4; i++) id += Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return id;
}
