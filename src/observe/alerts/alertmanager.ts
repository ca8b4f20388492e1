/**
 * A notification channel to Prometheus Alertmanager's v2 API (POST /api/v2/alerts), so alerts go
 * where operators already route, group, silence and inhibit them.
 *
 * Each alert is sent once per series it holds for, labelled `alertname`, `severity`, the rule's
 * labels and the series' `by` labels (what Prometheus would send for the same rule). Firing alerts
 * are re-sent every `resendMs` with `endsAt` four resends ahead, as Prometheus does, so an
 * Alertmanager that stops hearing from us resolves them by itself; a resolved alert is sent with
 * `endsAt` set to when it resolved.
 */
import { type Clock, setTimerOn, systemClock } from '../../core/clock.js';
import { checkNumber } from '../../core/option-checks.js';
import { withDefaults } from '../../core/options.js';
import { type AlertNotice, type Notification, type NotificationChannel, channelUrl, postJson } from './channels.js';

export interface AlertmanagerChannelOptions {
  /** Alertmanager's base URL, e.g. http://alertmanager:9093 (the path /api/v2/alerts is added). */
  url: string;
  name?: string;
  /** Link back to the source of the alerts (the ops dashboard); Alertmanager shows it as "Source". */
  generatorURL?: string;
  /** Request deadline; 5 s keeps a stuck Alertmanager from stalling evaluation. */
  timeoutMs?: number;
  /** Re-send period for firing alerts; 1 min as Prometheus's --rules.alert.resend-delay. */
  resendMs?: number;
  clock?: Clock;
  fetch?: typeof globalThis.fetch;
}

export const ALERTMANAGER_DEFAULTS = {
  timeoutMs: 5_000,
  resendMs: 60_000,
  generatorURL: '',
  clock: systemClock as Clock,
};

/** Prometheus sets endsAt this many resend periods ahead of a firing alert. */
const ENDS_AFTER_RESENDS = 4;

/** One alert in Alertmanager's v2 API (PostableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/** The Alertmanager alerts for one notice: one per series (one with no `by` labels). */
export function postableAlerts(notice: AlertNotice, endsAt: number | undefined, generatorURL: string): PostableAlert[] {
  const series: NonNullable<AlertNotice['series']> = notice.series && notice.series.length > 0 ? notice.series : [{ labels: {}, value: notice.value }];
  return series.map((s) => ({
    labels: { ...notice.labels, ...s.labels, alertname: notice.rule, severity: notice.severity },
    annotations: {
      ...(notice.description ? { description: notice.description } : {}),
      ...notice.annotations,
      ...s.annotations,
      value: String(s.value),
    },
    startsAt: new Date(notice.firingAt).toISOString(),
    ...(endsAt !== undefined ? { endsAt: new Date(endsAt).toISOString() } : {}),
    ...(generatorURL ? { generatorURL } : {}),
  }));
}

export interface AlertmanagerChannel extends NotificationChannel {
  /** Alerts currently re-sent as firing, by rule. */
  readonly firing: ReadonlyMap<string, AlertNotice>;
  close(): void;
}

export function alertmanagerChannel(options: AlertmanagerChannelOptions): AlertmanagerChannel {
  const o = withDefaults(ALERTMANAGER_DEFAULTS, options);
  checkNumber('alertmanagerChannel', 'resendMs', o.resendMs, 0, Infinity, true);
  checkNumber('alertmanagerChannel', 'timeoutMs', o.timeoutMs, 0, Infinity, true);
  const base = channelUrl('alertmanagerChannel', options.url);
  const endpoint = new URL(`${base.pathname.replace(/\/$/, '')}/api/v2/alerts`, base);
  const doFetch = options.fetch ?? globalThis.fetch;
  const firing = new Map<string, AlertNotice>();
  let cancel: (() => void) | undefined;

  const post = (alerts: PostableAlert[]): Promise<void> => postJson(doFetch, endpoint, alerts, o.timeoutMs, 'alertmanager');
  const firingAlerts = (): PostableAlert[] => {
    const endsAt = o.clock.now() + ENDS_AFTER_RESENDS * o.resendMs;
    return [...firing.values()].flatMap((notice) => postableAlerts(notice, endsAt, o.generatorURL));
  };
  const schedule = (): void => {
    if (cancel || firing.size === 0) return;
    cancel = setTimerOn(o.clock, o.resendMs, () => {
      cancel = undefined;
      // A failed resend is retried at the next period; the alert's endsAt leaves room for three.
      post(firingAlerts()).catch(() => undefined).finally(schedule);
    });
  };

  return {
    name: options.name ?? `alertmanager:${base.host}`,
    firing,
    async send(notification: Notification) {
      if (notification.status === 'firing') {
        const now = o.clock.now();
        // Series that held before and no longer do are resolved now.
        const gone = notification.alerts.flatMap((notice) => {
          const before = firing.get(notice.rule);
          if (!before?.series) return [];
          const still = new Set((notice.series ?? []).map((s) => JSON.stringify(s.labels)));
          const dropped = before.series.filter((s) => !still.has(JSON.stringify(s.labels)));
          return dropped.length > 0 ? postableAlerts({ ...before, series: dropped }, now, o.generatorURL) : [];
        });
        for (const notice of notification.alerts) firing.set(notice.rule, notice);
        await post([...notification.alerts.flatMap((notice) => postableAlerts(notice, now + ENDS_AFTER_RESENDS * o.resendMs, o.generatorURL)), ...gone]);
        schedule();
        return;
      }
      for (const notice of notification.alerts) firing.delete(notice.rule);
      await post(notification.alerts.flatMap((notice) => postableAlerts(notice, notice.resolvedAt ?? o.clock.now(), o.generatorURL)));
      if (firing.size === 0) {
        cancel?.();
        cancel = undefined;
      }
    },
    close() {
      cancel?.();
      cancel = undefined;
      firing.clear();
    },
  };
}
