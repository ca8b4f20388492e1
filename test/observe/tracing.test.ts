/** traced(): policies in OpenTelemetry spans, recorded by the real SDK into memory. */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backoff } from '../../src/policies/backoff.js';
import { circuitBreaker } from '../../src/policies/breaker/circuit-breaker.js';
import { pipeline } from '../../src/policies/pipeline.js';
import { retry } from '../../src/policies/retry.js';
import { traced } from '../../src/observe/tracing.js';
import { TimeoutError } from '../../src/core/errors.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');

beforeAll(() => {
  // Active spans follow async calls, as in an application with the Node SDK.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});
beforeEach(() => exporter.reset());

const spanNamed = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name);

describe('traced', () => {
  it('runs a call in a span with its attributes, one attempt event and the attempt count', async () => {
    const policy = traced(retry(), { tracer, name: 'binance fetchTicker', attributes: { 'bulwark.dependency': 'binance' } });
    expect(await policy.execute(() => 42)).toBe(42);
    const span = spanNamed('binance fetchTicker');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toMatchObject({ 'bulwark.dependency': 'binance', 'bulwark.attempts': 1 });
    expect(span?.events.map((e) => [e.name, e.attributes?.['bulwark.attempt']])).toEqual([['bulwark.attempt', 1]]);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('shows retries as attempt events on one span', async () => {
    let calls = 0;
    const policy = traced(retry({ maxAttempts: 3, backoff: backoff.constant(0), retryOn: () => true }), { tracer, name: 'flaky' });
    const value = await policy.execute(() => {
      calls++;
      if (calls < 3) throw new TimeoutError(100);
      return 'ok';
    });
    expect(value).toBe('ok');
    const span = spanNamed('flaky');
    expect(span?.events.map((e) => e.attributes?.['bulwark.attempt'])).toEqual([1, 2, 3]);
    expect(span?.attributes['bulwark.attempts']).toBe(3);
  });

  it('a failed call sets the error status, the exception and its stable code', async () => {
    const policy = traced(retry({ maxAttempts: 2, backoff: backoff.constant(0), retryOn: () => true, rethrowLastError: true }), { tracer, name: 'down' });
    await expect(policy.execute(() => Promise.reject(new TimeoutError(250)))).rejects.toThrow('Operation timed out after 250 ms');
    const span = spanNamed('down');
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Operation timed out after 250 ms' });
    expect(span?.attributes).toMatchObject({ 'bulwark.attempts': 2, 'bulwark.error.code': 'TIMEOUT', 'bulwark.error.category': 'timeout', 'bulwark.refused': false });
    expect(span?.events.map((e) => e.name)).toContain('exception');
  });

  it('a call the policy refuses (isolated breaker) is marked refused, with no attempt', async () => {
    const breaker = circuitBreaker();
    const handle = breaker.isolate();
    const policy = traced(breaker, { tracer, name: 'isolated' });
    await expect(policy.execute(() => 1)).rejects.toMatchObject({ code: 'CIRCUIT_ISOLATED' });
    handle.release();
    const span = spanNamed('isolated');
    expect(span?.attributes).toMatchObject({ 'bulwark.attempts': 0, 'bulwark.error.code': 'CIRCUIT_ISOLATED', 'bulwark.refused': true });
    expect(span?.events.filter((e) => e.name === 'bulwark.attempt')).toEqual([]);
  });

  it('spans started inside the call are its children, across awaits; it composes in a pipeline', async () => {
    const policy = pipeline(traced(retry(), { tracer, name: 'outer' }), circuitBreaker());
    await policy.execute(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      tracer.startSpan('http GET /api/v3/ticker').end();
    });
    const outer = spanNamed('outer');
    const child = spanNamed('http GET /api/v3/ticker');
    expect(child?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(child?.spanContext().traceId).toBe(outer?.spanContext().traceId);
  });

  it('a span sampled out is not recorded: the call runs as it would untraced', async () => {
    const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const attempts: number[] = [];
    const policy = traced(retry({ maxAttempts: 2, backoff: backoff.constant(0), retryOn: () => true, rethrowLastError: true }), { tracer: unsampled.getTracer('off'), name: 'off' });
    await expect(policy.execute((ctx) => (attempts.push(ctx.attempt), Promise.reject(new TimeoutError(5))))).rejects.toBeInstanceOf(TimeoutError);
    expect(attempts).toEqual([1, 2]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('without a tracer uses the global one (a no-op until an SDK is registered), and checks its arguments', async () => {
    expect(await traced(retry()).execute(() => 'fine')).toBe('fine');
    expect(trace.getTracer('bulwark')).toBeDefined();
    expect(() => traced({} as never)).toThrow('traced: policy must be a policy (with execute())');
    expect(() => traced(retry(), { name: '' })).toThrow(/name must be a non-empty string/);
  });
});
