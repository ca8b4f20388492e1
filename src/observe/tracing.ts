/**
 * OpenTelemetry tracing through @opentelemetry/api: `traced(policy)` runs each call in a span,
 * active while the user's function runs (so spans it starts, e.g. an instrumented HTTP client's,
 * are its children), with an event per attempt, the number of attempts, and the error's code
 * and category (`classifyError`) when the call fails or the policy refuses it (an open breaker,
 * a full bulkhead, a limit).
 * A span that is not recorded (no SDK registered, or sampled out) adds nothing: the call runs as
 * it would untraced, after the tracer's check (measured in bench/policies.ts).
 */
import { type Attributes, type Span, SpanKind, SpanStatusCode, type Tracer, context as otelContext, trace } from '@opentelemetry/api';
import type { Context } from '../core/context.js';
import { checkNonEmptyString, checkShape } from '../core/option-checks.js';
import { classifyError } from '../core/taxonomy.js';
import { BasePolicy, type Operation, type Policy, runPolicy } from '../core/policy.js';

export interface TracedOptions {
  /** The tracer to start spans with; defaults to the global provider's tracer named 'bulwark'. */
  tracer?: Tracer;
  /** The span name: say what the call is, e.g. 'binance fetchTicker'. */
  name?: string;
  /** Set on every span, e.g. { 'bulwark.dependency': 'binance' }. */
  attributes?: Attributes;
  /** The span kind; CLIENT suits a call to an exchange or another service. */
  kind?: SpanKind;
}

export const TRACED_DEFAULTS = {
  /** Spans from the globally registered provider, under the library's own name. */
  tracerName: 'bulwark',
  /** A neutral name; give each traced call its own. */
  name: 'bulwark.execute',
  /** Most policies guard a call to another service. */
  kind: SpanKind.CLIENT,
} as const;

/** A policy that runs `inner` inside an OpenTelemetry span; composes in `pipeline()` like any other. */
export class TracedPolicy extends BasePolicy {
  private readonly tracer: Tracer;
  private readonly name: string;
  private readonly attributes: Attributes;
  private readonly kind: SpanKind;

  constructor(
    private readonly inner: Policy,
    options: TracedOptions = {},
  ) {
    super();
    checkShape('traced', 'policy', inner, 'a policy', ['execute']);
    const name = options.name ?? TRACED_DEFAULTS.name;
    checkNonEmptyString('traced', 'name', name);
    this.tracer = options.tracer ?? trace.getTracer(TRACED_DEFAULTS.tracerName);
    this.name = name;
    this.attributes = options.attributes ?? {};
    this.kind = options.kind ?? TRACED_DEFAULTS.kind;
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    const span = this.tracer.startSpan(this.name, { kind: this.kind, attributes: this.attributes });
    // Not recorded (no SDK registered, or sampled out): nothing to add, so run the call as is.
    if (!span.isRecording()) {
      span.end();
      return runPolicy(this.inner, fn, ctx);
    }
    return otelContext.with(trace.setSpan(otelContext.active(), span), () => this.runInSpan(span, fn, ctx));
  }

  private runInSpan<T>(span: Span, fn: Operation<T>, ctx: Context): Promise<T> {
    let attempts = 0;
    const attempt: Operation<T> = (inner) => {
      attempts = Math.max(attempts, inner.attempt);
      span.addEvent('bulwark.attempt', { 'bulwark.attempt': inner.attempt });
      return fn(inner);
    };
    return runPolicy(this.inner, attempt, ctx).then(
      (value) => {
        span.setAttribute('bulwark.attempts', attempts);
        span.end();
        return value;
      },
      (error: unknown) => {
        // The error taxonomy's classification: stable codes (CIRCUIT_OPEN, TIMEOUT, ECONNRESET...).
        const { code, category } = classifyError(error);
        span.setAttributes({ 'bulwark.attempts': attempts, 'bulwark.error.code': code, 'bulwark.error.category': category });
        // No attempt ran: the policy itself refused the call (open breaker, full bulkhead...).
        span.setAttribute('bulwark.refused', attempts === 0);
        if (error instanceof Error) span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.end();
        throw error;
      },
    );
  }
}

/** Runs every call of `policy` in an OpenTelemetry span (see the module comment). */
export function traced(policy: Policy, options?: TracedOptions): TracedPolicy {
  return new TracedPolicy(policy, options);
}
