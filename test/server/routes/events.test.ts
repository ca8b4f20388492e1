import { type IncomingMessage, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** Opens the stream and collects parsed events; `next(type)` resolves with the next event of that type. */
async function open(headers: Record<string, string> = {}) {
  await f.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = f.app.server.address() as { port: number };
  const events: SseEvent[] = [];
  const waiters: Array<{ type: string; from: number; resolve: (e: SseEvent) => void }> = [];
  let buffer = '';
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events', headers }, resolve);
    req.on('error', reject);
    req.end();
  });
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      if (!fields.event) continue;
      const parsed: SseEvent = { event: fields.event, data: JSON.parse(fields.data ?? 'null'), ...(fields.id ? { id: fields.id } : {}) };
      events.push(parsed);
      for (const w of [...waiters]) {
        if (w.type === parsed.event && events.length > w.from) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  const next = (type: string): Promise<SseEvent> => new Promise((resolve) => waiters.push({ type, from: events.length, resolve }));
  return { response, events, next };
}

describe('GET /api/events (Server-Sent Events)', () => {
  it('sends a snapshot at once, timeline entries as they happen, and a snapshot per period of the clock', async () => {
    f = await fixture({ app: { snapshotMs: 1_000 } });
    const stream = await open();
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    const snapshot = stream.events.find((e) => e.event === 'snapshot') ?? (await stream.next('snapshot'));
    expect(snapshot.data).toMatchObject({ service: 'test-service', gate: { mode: 'active' } });

    const timeline = stream.next('timeline');
    f.gate.kill('test halt');
    const entry = await timeline;
    expect(entry.data).toMatchObject({ kind: 'gate', message: 'active → halted: kill switch: test halt', severity: 'critical' });
    expect(entry.id).toBe(String((entry.data as { id: number }).id));

    const second = stream.next('snapshot');
    await f.clock.advance(1_000);
    expect((await second).data).toMatchObject({ gate: { mode: 'halted', killed: true } });
  });

  it('replays the timeline entries after Last-Event-ID on reconnect', async () => {
    f = await fixture();
    const a = f.events.record('operator', 'x', 'one');
    f.events.record('operator', 'x', 'two');
    f.events.record('operator', 'x', 'three');
    const stream = await open({ 'last-event-id': String(a.id) });
    await stream.next('snapshot');
    const replayed = stream.events
      .filter((e) => e.event === 'timeline' && (e.data as { subject: string }).subject === 'x')
      .map((e) => (e.data as { message: string }).message);
    expect(replayed).toEqual(['two', 'three']);
  });

  it('ends open streams when the server closes', async () => {
    f = await fixture();
    const stream = await open();
    await stream.next('snapshot');
    const ended = new Promise<void>((resolve) => stream.response.on('end', resolve));
    await f.app.close();
    await ended;
    expect(f.events.listeners).toBe(0);
  });
});

describe('GET /api/timeline', () => {
  it('returns entries newest first, after an id', async () => {
    f = await fixture();
    const a = f.events.record('fault', 'sim', 'maintenance on', 'warning');
    f.events.record('fault', 'sim', 'maintenance off');
    const all = (await f.app.inject({ method: 'GET', url: '/api/timeline' })).json<Array<{ message: string }>>();
    expect(all.map((e) => e.message)).toEqual(['maintenance off', 'maintenance on']);
    const after = (await f.app.inject({ method: 'GET', url: `/api/timeline?afterId=${a.id}` })).json<Array<{ message: string }>>();
    expect(after.map((e) => e.message)).toEqual(['maintenance off']);
  });
});

describe('HEAD /api/events', () => {
  it('answers with the stream headers and ends at once (it used to never answer)', async () => {
    f = await fixture();
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = f.app.server.address() as { port: number };
    const { status, type, body } = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/events', method: 'HEAD' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(body).toBe('');
  });
});
