/**
 * Intent ids and client order ids. The client order id is a pure function of the intent id, so
 * a process that restarts with an intent in its journal looks up the very id it sent.
 */
import { createHash } from 'node:crypto';
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
  const digest = createHash('sha256').update(intentId, 'utf8').digest();
  return (prefix + base62(digest)).slice(0, maxLength);
}

function base62(bytes: Uint8Array): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  while (value > 0n) {
    out = alphabet[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out.padStart(43, '0');
}

/** A fresh intent id from `random` (inject a seeded one in tests). */
export function newIntentId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 4; i++) id += Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return id;
}
