/**
 * The server's log: one JSON line per 5xx or slow request with its request id, the error with its
 * stack at error level, nothing for a fast success, and no secret in any line.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { type Fixture, fixture } from './fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ destination, base: { service: 'test' } }) };
}

describe('request log', () => {
  it('logs a 500 at info with its request id and the error with its stack at error; a fast 200 logs nothing', async () => {
    const { lines, logger } = capture();
    f = await fixture({ app: { logger, slowRequestMs: 60_000 } });
    f.app.get('/boom', async () => {
      throw new Error('the database went away (password=hunter2)');
    });
    expect((await f.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
    expect(lines).toEqual([]);

    const res = await f.app.inject({ method: 'GET', url: '/boom?token=abc', headers: { authorization: 'Bearer s3cret' } });
    expect(res.statusCode).toBe(500);
    const { detail } = res.json() as { detail: string };
    const reqId = /request id (\S+)\)$/.exec(detail)?.[1];
    expect(reqId).toBeDefined();
    const error = lines.find((l) => l.level === 50)!;
    expect(error).toMatchObject({ msg: 'request failed', reqId, service: 'test', err: { message: expect.stringMatching(/^the database went away/) } });
    expect(String((error.err as { stack: string }).stack)).toMatch(/at /);
    expect(lines.find((l) => l.level === 30)).toMatchObject({ msg: 'request failed', reqId, method: 'GET', url: '/boom', route: '/boom', status: 500 });
    const all = JSON.stringify(lines);
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('s3cret');
    expect(all).not.toContain('token=abc');
  });

  it('logs a slow request at info whatever its status', async () => {
    const { lines, logger } = capture();
    f = await fixture({ app: { logger, slowRequestMs: 0 } });
    await f.app.inject({ method: 'GET', url: '/livez' });
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'slow request', url: '/livez', status: 200 })]);
  });
});
