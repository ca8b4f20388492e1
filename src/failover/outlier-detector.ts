/**
 * Passive health, after Envoy's outlier detection. Four rules judge endpoints by real calls:
 *
 * - consecutive failures: `consecutiveFailures` failures (gateway or other) in a row;
 * - consecutive gateway failures: `consecutiveGatewayFailures` gateway failures in a row (a
 *   non-gateway failure or a success ends the run);
 * - failure percentage, each interval: an endpoint with at least `failurePercentageMinimumCalls`
 *   calls whose failure share reaches `failurePercentage`, when at least
 *   `failurePercentageMinimumEndpoints` endpoints had that many calls;
 * - success rate, each interval: an endpoint with at least `successRateMinimumCalls` calls whose
 *   success rate is below mean - `successRateStdevFactor` x standard deviation of the group's,
 *   when at least `successRateMinimumEndpoints` endpoints had that many calls.
 *
 * The first two act at once on the failing call; the last two at the end of each interval. An
 * ejection lasts `baseEjectionMs` x the endpoint's number of ejections, at most `maxEjectionMs`.
 * No more than `maxEjectionShare` of the group's endpoints is ejected at once (one always may
 * be); an outlier found beyond that stays in. Each interval an endpoint spends not ejected takes
 * one off its count of ejections (as Envoy does), so an endpoint that failed once long ago is
 * ejected for the base time again, not for longer and longer; the count stops growing once
 * the ejection has reached `maxEjectionMs` (Envoy's bound). Each ejection lasts a random 0 to
 * `maxEjectionJitterMs` longer (Envoy's jitter), drawn once when it begins, so endpoints ejected
 * together do not come back together. A passing active health check may end it early
 * (`endEarly`, called by the group).
 *
 * Neutral outcomes count for nothing, and so do calls an endpoint takes while ejected or
 * unhealthy: only panic, a pin or a forced level with nothing routable sends it calls then. Its
 * failures there are the trouble it was taken out for; counted, they would eject it again the
 * moment it returns, for twice as long. (A routable endpoint's calls count in panic too: it takes
 * them in service, and its failures are its own.) The snapshot's calls and failures show every
 * call. The detector only decides; the group changes the state.
 */
import type { EndpointRecord } from './endpoint-record.js';
import type { ResolvedOutlierDetection } from './options.js';
import type { CallOutcome, EndpointChangeReason } from './types.js';

export interface EjectionActions<T> {
  eject(endpoint: EndpointRecord<T>, reason: EndpointChangeReason, detail: string, until: number): void;
  /** The ejection time is over. */
  release(endpoint: EndpointRecord<T>): void;
}

const pct = (share: number): string => `${Math.round(share * 1000) / 10} %`;

export class OutlierDetector<T> {
  /** End of the current interval. */
  intervalEnd: number;
  private readonly maxEjected: number;

  constructor(
    private readonly options: ResolvedOutlierDetection,
    private readonly endpoints: ReadonlyArray<EndpointRecord<T>>,
    private readonly actions: EjectionActions<T>,
    private readonly random: () => number,
    now: number,
  ) {
    this.intervalEnd = now + options.intervalMs;
    this.maxEjected = Math.max(1, Math.floor(options.maxEjectionShare * endpoints.length));
  }

  /** Endpoints ejected now. */
  ejectedCount(): number {
    let n = 0;
    for (const e of this.endpoints) if (e.ejectedUntil > 0) n++;
    return n;
  }

  /** One call's outcome: counts it and applies the consecutive rules. */
  onOutcome(e: EndpointRecord<T>, outcome: CallOutcome, now: number): void {
    if (outcome === 'neutral') return;
    e.intervalCalls++;
    if (outcome !== 'success') e.intervalFailures++;
    // Out of service: panic or the operator sent it this call (or it was in flight when it went out).
    if (e.ejectedUntil > 0 || e.unhealthy) return;
    e.judgedCalls++;
    if (outcome === 'success') {
      e.consecutiveFailures = 0;
      e.consecutiveGatewayFailures = 0;
      return;
    }
    e.judgedFailures++;
    e.consecutiveFailures++;
    e.consecutiveGatewayFailures = outcome === 'gateway' ? e.consecutiveGatewayFailures + 1 : 0;
    const o = this.options;
    if (o.consecutiveGatewayFailures > 0 && e.consecutiveGatewayFailures >= o.consecutiveGatewayFailures) {
      this.tryEject(e, 'consecutive-gateway-failures', `${e.consecutiveGatewayFailures} gateway failures in a row`, now);
    } else if (o.consecutiveFailures > 0 && e.consecutiveFailures >= o.consecutiveFailures) {
      this.tryEject(e, 'consecutive-failures', `${e.consecutiveFailures} failures in a row`, now);
    }
  }

  /** The earliest time something is due: an ejection ending. */
  nextRelease(): number {
    let next = Infinity;
    for (const e of this.endpoints) if (e.ejectedUntil > 0 && e.ejectedUntil < next) next = e.ejectedUntil;
    return next;
  }

  /** Ends an ejection before its time (its active health checks passed): it counts as over `now`. */
  endEarly(e: EndpointRecord<T>, now: number): void {
    e.ejectedUntil = 0;
    e.releasedAt = now;
  }

  /** Ends the ejections that are over and, when an interval ended, judges it. */
  due(now: number): void {
    for (const e of this.endpoints) {
      if (e.ejectedUntil > 0 && now >= e.ejectedUntil) {
        e.releasedAt = e.ejectedUntil;
        this.actions.release(e);
      }
    }
    if (now < this.intervalEnd) return;
    const interval = this.options.intervalMs;
    const firstEnd = this.intervalEnd;
    const ended = Math.floor((now - firstEnd) / interval) + 1;
    this.intervalEnd += ended * interval;
    this.judgeInterval(now);
    for (const e of this.endpoints) {
      // Each interval spent wholly in service takes one ejection off the count (Envoy's backoff decay).
      if (e.ejectedUntil === 0 && e.ejections > 0) {
        const firstClean = Math.max(0, Math.ceil((e.releasedAt + interval - firstEnd) / interval));
        e.ejections = Math.max(0, e.ejections - Math.max(0, ended - firstClean));
      }
      e.intervalCalls = 0;
      e.intervalFailures = 0;
      e.judgedCalls = 0;
      e.judgedFailures = 0;
    }
  }

  private judgeInterval(now: number): void {
    const o = this.options;
    if (o.successRateStdevFactor > 0) {
      // Ejected endpoints are left out: the group's mean is that of the endpoints in service.
      const judged = this.endpoints.filter((e) => e.ejectedUntil === 0 && e.judgedCalls >= o.successRateMinimumCalls);
      if (judged.length >= o.successRateMinimumEndpoints) {
        const rates = judged.map((e) => 1 - e.judgedFailures / e.judgedCalls);
        const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
        const stdev = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / rates.length);
        const threshold = mean - o.successRateStdevFactor * stdev;
        judged.forEach((e, i) => {
          if (rates[i]! < threshold) {
            this.tryEject(e, 'success-rate', `success rate ${pct(rates[i]!)} below ${pct(threshold)} (group mean ${pct(mean)} - ${o.successRateStdevFactor} x ${pct(stdev)})`, now);
          }
        });
      }
    }
    if (o.failurePercentage > 0) {
      const judged = this.endpoints.filter((e) => e.ejectedUntil === 0 && e.judgedCalls >= o.failurePercentageMinimumCalls);
      if (judged.length >= o.failurePercentageMinimumEndpoints) {
        for (const e of judged) {
          const share = e.judgedFailures / e.judgedCalls;
          if (share >= o.failurePercentage && e.ejectedUntil === 0) {
            this.tryEject(e, 'failure-percentage', `${pct(share)} of ${e.judgedCalls} calls failed (limit ${pct(o.failurePercentage)})`, now);
          }
        }
      }
    }
  }

  private tryEject(e: EndpointRecord<T>, reason: EndpointChangeReason, detail: string, now: number): void {
    // Beyond the share, the outlier stays in: ejecting more would overload the rest.
    if (this.ejectedCount() >= this.maxEjected) return;
    const { baseEjectionMs, maxEjectionMs, maxEjectionJitterMs } = this.options;
    // Envoy's backoff: the count grows while it still lengthens the ejection, so it stays bounded.
    if (e.ejections * baseEjectionMs < maxEjectionMs + baseEjectionMs) e.ejections++;
    e.consecutiveFailures = 0;
    e.consecutiveGatewayFailures = 0;
    e.ejectedAt = now;
    e.checksPassedEjected = 0;
    // Whole milliseconds from 0 to the jitter, each as likely (Envoy's); no draw when it is off.
    const jitter = maxEjectionJitterMs > 0 ? Math.min(maxEjectionJitterMs, Math.floor(this.random() * (maxEjectionJitterMs + 1))) : 0;
    const duration = Math.min(baseEjectionMs * e.ejections, maxEjectionMs) + jitter;
    const jittered = maxEjectionJitterMs > 0 ? `, ${jitter} ms of it jitter` : '';
    this.actions.eject(e, reason, `${detail}: ejected for ${duration} ms (ejection ${e.ejections}${jittered})`, now + duration);
  }
}
