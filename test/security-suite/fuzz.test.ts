/**
 * A seeded fuzz of every route's inputs, read from the OpenAPI document: each body field with
 * every wrong type, bodies that are huge, deep, not objects or carry `__proto__`/`constructor`
 * keys and NUL bytes; ids and query values with traversal, NUL bytes, odd and long characters;
 * long and malformed headers. Sent with an admin token so every handler runs. The server never
 * answers 5xx, never crashes, and every error is problem+json naming no server path and no secret.
 * The seed is printed on failure; BULWARK_FUZZ_SEED replays a run.
 */
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/core/secrets.js';
import { type EveryRoute, type JsonSchema, type Operation, everyRoute } from './every-route.js';

const SEED = Number(process.env.BULWARK_FUZZ_SEED ?? 20261205);
/** Random cases per route on top of the fixed ones. */
const RANDOM_CASES = 25;

/** A stored secret's value (as `secret:NAME` resolves one at start), sent in every field: no answer may carry it. */
const SECRET = 'sk-live-suite-4f3e2d1c0b9a8877';

let s: EveryRoute;
beforeAll(async () => {
  registerSecret(SECRET);
  s = await everyRoute();
});
afterAll(async () => s.close());

/** mulberry32: small, seeded, good enough to pick cases. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

/** Values of every JSON type, and the awkward ones of each. */
const WRONG_VALUES: unknown[] = [
  null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', 'x', '\u0000', 'a\u0000b', 'x'.repeat(100_000), '../../../../etc/passwd',
  '\ud800', '😀'.repeat(1000), '<script>alert(1)</script>', '${7*7}', "' OR 1=1 --", [], [null], ['x'], [[[]]], {}, { __proto__: null, a: 1 },
  JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { polluted: true } } }, deep(50), Array(10_000).fill(0),
];

/** Per field: one of each JSON type and the awkward values most likely to reach a handler. */
const FIELD_VALUES: unknown[] = [SECRET, null, true, 0, -1, 1e308, '', 'a\u0000b', 'x'.repeat(100_000), '../../../../etc/passwd', [], ['x'], {}, JSON.parse('{"__proto__":{"polluted":true}}'), deep(50)];

/** Ids and query values: traversal, NUL bytes, encodings, odd characters, long. */
const ODD_STRINGS = [
  '..', '../..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%5C..%5Cwindows', '%00', 'x%00y', '%ff%fe', '%', '%zz',
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '%3Cscript%3E', 'a%20b', 'a;b', 'a%0D%0ASet-Cookie:%20x=1', '*', '-1',
  '1e999', 'NaN', 'x'.repeat(5_000), '%F0%9F%98%80', 'CON', '.', '~root', '%252e%252e%252f',
];

/** The schema with a `$ref` followed. */
function resolve(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (schema?.$ref === undefined) return schema;
  const name = schema.$ref.split('/').pop()!;
  return resolve(s.doc.components?.schemas?.[name]);
}

/** A value the schema probably accepts: the base a single field's mutation starts from. */
function plausible(schema: JsonSchema | undefined, name = ''): unknown {
  const sc = resolve(schema);
  if (!sc) return 'x';
  if (sc.enum) return sc.enum[0];
  if (sc.anyOf) return plausible(sc.anyOf[0], name);
  const type = Array.isArray(sc.type) ? sc.type[0] : sc.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(sc.properties ?? {}).map(([k, v]) => [k, plausible(v, k)]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof sc.minimum === 'number' ? sc.minimum : 1;
    case 'boolean':
      return name === 'dryRun';
    default:
      return name === 'reason' ? 'fuzz' : 'exchange';
  }
}

interface Case {
  what: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

const json = { 'content-type': 'application/json' };

/** The fixed cases of one operation, then RANDOM_CASES drawn from the same pools. */
function casesOf(op: Operation, next: () => number): Case[] {
  const cases: Case[] = [];
  const base = s.url(op, () => 'exchange');
  const body = resolve(op.body);
  const baseBody = body ? (plausible(body) as Record<string, unknown>) : undefined;
  const send = (what: string, value: unknown, url = base): Case => ({ what, url, headers: json, payload: JSON.stringify(value) });

  if (baseBody !== undefined) {
    for (const field of Object.keys(body?.properties ?? {})) {
      for (const [i, value] of FIELD_VALUES.entries()) cases.push(send(`body.${field} = wrong value #${i}`, { ...baseBody, [field]: value }));
    }
    for (const [i, value] of WRONG_VALUES.entries()) cases.push(send(`whole body = wrong value #${i}`, value));
    cases.push(
      { what: 'body: 2 MB', url: base, headers: json, payload: JSON.stringify({ ...baseBody, pad: 'x'.repeat(2_000_000) }) },
      { what: 'body: 100,000 levels deep', url: base, headers: json, payload: '['.repeat(100_000) + ']'.repeat(100_000) },
      { what: 'body: __proto__ key', url: base, headers: json, payload: `{"__proto__":{"isAdmin":true},${JSON.stringify(baseBody).slice(1)}` },
      { what: 'body: constructor.prototype', url: base, headers: json, payload: JSON.stringify({ ...baseBody, constructor: { prototype: { isAdmin: true } } }) },
      { what: 'body: NUL bytes in every string', url: base, headers: json, payload: JSON.stringify(baseBody).replace(/"([^"]*)"/g, '"$1\\u0000\\u0000"') },
      { what: 'body: raw NUL and invalid UTF-8', url: base, headers: json, payload: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0, 0xff, 0xfe, 0xc0]), Buffer.from('"}')]) },
      { what: 'body: not JSON', url: base, headers: json, payload: '{"reason":' },
      { what: 'body: empty with a JSON type', url: base, headers: json, payload: '' },
      { what: 'body: JSON as octet-stream', url: base, headers: { 'content-type': 'application/octet-stream' }, payload: JSON.stringify(baseBody) },
      { what: 'body: bad charset', url: base, headers: { 'content-type': 'application/json; charset=utf-7' }, payload: JSON.stringify(baseBody) },
      { what: 'body: duplicate keys', url: base, headers: json, payload: `{"a":1,"a":{"__proto__":{}},${JSON.stringify(baseBody).slice(1)}` },
    );
  }
  for (const param of op.params.filter((p) => p.in === 'path')) {
    for (const odd of ODD_STRINGS) cases.push({ what: `params.${param.name} = ${odd.slice(0, 40)}`, url: s.url(op, (n) => (n === param.name ? odd : 'exchange')), ...(baseBody ? { headers: json, payload: JSON.stringify(baseBody) } : {}) });
  }
  const withBody = baseBody ? { headers: json, payload: JSON.stringify(baseBody) } : {};
  const queryNames = [...op.params.filter((p) => p.in === 'query').map((p) => p.name), '__proto__', 'constructor'];
  for (const name of queryNames) {
    for (const odd of [...ODD_STRINGS, '', '[]', '{}']) cases.push({ what: `query.${name} = ${odd.slice(0, 40)}`, url: `${base}?${name}=${odd}`, ...withBody });
    cases.push({ what: `query.${name} twice`, url: `${base}?${name}=1&${name}=2`, ...withBody });
    cases.push({ what: `query.${name}[__proto__]`, url: `${base}?${name}[__proto__][x]=1&__proto__[${name}]=1`, ...withBody });
  }
  for (const [header, value] of [
    ['x-request-id', 'r'.repeat(16_000)],
    ['x-request-id', 'a\u0000b'],
    ['user-agent', 'u'.repeat(16_000)],
    ['accept', 'application/problem+json;q=0,*/*;q=0'],
    ['accept-encoding', 'x'.repeat(8_000)],
    ['content-length', '99999999999999999999'],
    ['cookie', `bulwark_session=${'s'.repeat(8_000)}; bulwark_csrf=%ff`],
    ['x-forwarded-for', '1.1.1.1, '.repeat(2_000)],
    ['last-event-id', '-1'],
  ] as const) {
    cases.push({ what: `header ${header} (${value.length} chars)`, url: base, headers: { ...(baseBody ? json : {}), [header]: value }, ...(baseBody ? { payload: JSON.stringify(baseBody) } : {}) });
  }
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  for (let i = 0; i < RANDOM_CASES; i++) {
    // Several fields wrong at once, an odd id and an odd query value together.
    const mutated = baseBody ? Object.fromEntries(Object.keys(baseBody).map((k) => [k, next() < 0.5 ? pick(WRONG_VALUES) : baseBody[k]])) : undefined;
    if (mutated && next() < 0.3) mutated[pick(['__proto__', 'constructor', 'prototype', 'x\u0000'])] = pick(WRONG_VALUES);
    const url = `${s.url(op, () => pick(ODD_STRINGS))}?${pick(queryNames)}=${pick(ODD_STRINGS)}`;
    cases.push({ what: `random #${i}`, url, ...(mutated ? { headers: json, payload: JSON.stringify(mutated) } : {}) });
  }
  return cases;
}

const SERVER_PATHS = [tmpdir(), process.cwd(), '/home/', '/usr/', 'node_modules', '/src/', '.ts:'];

describe('fuzzing every route', () => {
  it(`never a 5xx, never a crash, every error problem+json without a path or a secret (seed ${SEED})`, async () => {
    const next = random(SEED);
    const secrets = Object.values(s.tokens);
    const failures: string[] = [];
    let sent = 0;
    const statuses: Record<number, number> = {};
    for (const op of s.operations) {
      if (op.path === '/api/events') continue; // a stream: its bad Last-Event-ID is tested in routes/events.test.ts
      for (const c of casesOf(op, next)) {
        sent++;
        const res = await s.app.inject({
          method: op.method.toUpperCase() as 'GET',
          url: c.url,
          headers: { authorization: `Bearer ${s.tokens.admin}`, ...c.headers },
          ...(c.payload !== undefined ? { payload: c.payload } : {}),
        });
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        const where = `${op.method} ${op.path} ${c.what} -> ${res.statusCode}`;
        if (res.statusCode >= 500) failures.push(`${where}: ${res.body.slice(0, 200)}`);
        else if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) failures.push(`${where}: content-type ${res.headers['content-type']}`);
        const leaked = [...SERVER_PATHS, ...secrets].find((needle) => res.body.includes(needle) || JSON.stringify(res.headers).includes(needle));
        if (leaked !== undefined && res.statusCode >= 400) failures.push(`${where}: carries ${secrets.includes(leaked) ? 'a token' : `the server path ${leaked}`}`);
        if (res.body.includes(SECRET)) failures.push(`${where}: carries the stored secret's value`);
      }
    }
    expect(sent).toBeGreaterThan(1_500);
    // Every case reached the route: none was cut short by a rate limit or the lockout.
    expect(statuses[429], JSON.stringify(statuses)).toBeUndefined();
    expect(failures.slice(0, 30), `seed ${SEED}: ${failures.length} failures`).toEqual([]);
    // Still serving, and nothing was polluted.
    expect((await s.app.inject({ url: '/livez' })).statusCode).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  }, 60_000);

  it('malformed credentials on every route: 401 (or the open route\'s answer), never a 5xx', async () => {
    const BAD_CREDENTIALS: Array<Record<string, string>> = [
      { authorization: 'Bearer' },
      { authorization: `Bearer ${'b'.repeat(16_000)}` },
      { authorization: 'Bearer bwk_\u0000_x' },
      { authorization: `Bearer bwk_${'0'.repeat(12)}_${'A'.repeat(43)}` },
      { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
      { authorization: `bearer ${s.tokens.admin.toUpperCase()}` },
      { cookie: 'bulwark_session=../../etc/passwd; bulwark_csrf=x' },
      { cookie: `bulwark_session=${'%'.repeat(4_000)}` },
      { cookie: 'bulwark_session=__proto__', 'x-csrf-token': '__proto__' },
    ];
    const failures: string[] = [];
    for (const op of s.operations) {
      if (op.path === '/api/events') continue;
      for (const headers of BAD_CREDENTIALS) {
        const res = await s.app.inject({ method: op.method.toUpperCase() as 'GET', url: s.url(op), headers, ...(op.body ? { payload: {} } : {}) });
        const what = `${op.method} ${op.path} ${JSON.stringify(headers).slice(0, 60)} -> ${res.statusCode}`;
        if (res.statusCode >= 500) failures.push(what);
        else if (op.permission !== undefined && res.statusCode !== 401) failures.push(`${what}: expected 401`);
      }
    }
    expect(failures).toEqual([]);
  });
});
