/**
 * Notification channels. A webhook speaks Slack's or Discord's JSON, or a generic
 * Alertmanager-like body; the log channel writes through any logger with warn/info.
 */
import type { Severity } from './rule.js';
import { withDefaults } from '../../core/options.js';

export interface AlertNotice {
  rule: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  value: number;
  description: string;
  labels: Record<string, string>;
  /** The series the rule holds for, each with its `by` labels (one alert each in Alertmanager). */
  series?: Array<{ labels: Record<string, string>; value: number }>;
  annotations: Record<string, string>;
  /** Clock time the alert started firing. */
  firingAt: number;
  resolvedAt?: number;
}

export interface Notification {
  /** The group these alerts share (by `groupBy` labels). */
  groupKey: string;
  status: 'firing' | 'resolved';
  alerts: AlertNotice[];
  /** True when this is a reminder for alerts that are still firing. */
  repeat: boolean;
}

export interface NotificationChannel {
  readonly name: string;
  send(notification: Notification): Promise<void>;
}

export interface WebhookChannelOptions {
  name?: string;
  url: string;
  /** Body shape: 'slack' ({ text }), 'discord' ({ content }), or 'generic' (the notification as JSON). */
  format?: 'generic' | 'slack' | 'discord';
  /** Request deadline; 5 s keeps a stuck receiver from stalling evaluation. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export const webhookDefaults: { format: NonNullable<WebhookChannelOptions['format']>; timeoutMs: number } = { format: 'generic', timeoutMs: 5_000 };

function summary(n: Notification): string {
  const icon = n.status === 'firing' ? '🔥' : '✅';
  const lines = n.alerts.map(
    (a) => `${icon} [${a.severity.toUpperCase()}] ${a.rule} ${a.status}${a.description ? `: ${a.description}` : ''} (value ${a.value})`,
  );
  return `${n.repeat ? '(reminder) ' : ''}${lines.join('\n')}`;
}

export function webhookChannel(options: WebhookChannelOptions): NotificationChannel {
  const { url, format, timeoutMs } = withDefaults(webhookDefaults, options);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`webhookChannel: url is not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`webhookChannel: url must be http(s), got ${parsed.protocol}`);
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    name: options.name ?? `webhook:${parsed.host}`,
    async send(notification) {
      const body = format === 'slack' ? { text: summary(notification) } : format === 'discord' ? { content: summary(notification) } : notification;
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`webhook ${parsed.host} answered HTTP ${response.status}`);
    },
  };
}

export interface AlertLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export function logChannel(logger: AlertLogger, name = 'log'): NotificationChannel {
  return {
    name,
    async send(notification) {
      const line = { groupKey: notification.groupKey, alerts: notification.alerts, repeat: notification.repeat };
      if (notification.status === 'firing') logger.warn(line, summary(notification));
      else logger.info(line, summary(notification));
    },
  };
}
