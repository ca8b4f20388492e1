/**
 * Notification channels. A webhook speaks Slack's or Discord's incoming-webhook JSON
 * (chat-formats.ts), or posts the notification itself as JSON; the log channel writes through any
 * logger with warn/info. Alertmanager's v2 API is in alertmanager.ts.
 */
import type { Severity } from './rule.js';
import { withDefaults } from '../../core/options.js';
import { discordPayload, slackPayload, summary } from './chat-formats.js';

export interface AlertNotice {
  rule: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  value: number;
  description: string;
  labels: Record<string, string>;
  /** The series the rule holds for, each with its `by` labels (one alert each in Alertmanager). */
  series?: Array<{ labels: Record<string, string>; value: number; annotations?: Record<string, string> }>;
  /** The rule's annotations, then those of its worst series. */
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
  /** Stops background work (resends); called when the channel is no longer used. */
  close?(): void;
}

export interface WebhookChannelOptions {
  name?: string;
  url: string;
  /** Body shape: 'slack' and 'discord' (their incoming-webhook JSON, see chat-formats.ts), or 'generic' (the notification as JSON). */
  format?: 'generic' | 'slack' | 'discord';
  /** Request deadline; 5 s keeps a stuck receiver from stalling evaluation. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export const WEBHOOK_DEFAULTS: { format: NonNullable<WebhookChannelOptions['format']>; timeoutMs: number } = { format: 'generic', timeoutMs: 5_000 };

/** Parses and checks a channel's URL; the error names the channel and the field. */
export function channelUrl(channel: string, url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${channel}: url is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`${channel}: url must be http(s), got ${parsed.protocol}`);
  return parsed;
}

/** POSTs JSON with a deadline; a non-2xx answer is an error naming the host (never the full URL: it may hold a token). */
export async function postJson(doFetch: typeof globalThis.fetch, url: URL, body: unknown, timeoutMs: number, what: string): Promise<void> {
  const response = await doFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`${what} ${url.host} answered HTTP ${response.status}`);
}

export function webhookChannel(options: WebhookChannelOptions): NotificationChannel {
  const { format, timeoutMs } = withDefaults(WEBHOOK_DEFAULTS, options);
  const parsed = channelUrl('webhookChannel', options.url);
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    name: options.name ?? `${format === 'generic' ? 'webhook' : format}:${parsed.host}`,
    async send(notification) {
      const body = format === 'slack' ? slackPayload(notification) : format === 'discord' ? discordPayload(notification) : notification;
      await postJson(doFetch, parsed, body, timeoutMs, 'webhook');
    },
  };
}

/** A Slack incoming webhook (https://hooks.slack.com/services/...). */
export function slackChannel(options: Omit<WebhookChannelOptions, 'format'>): NotificationChannel {
  return webhookChannel({ ...options, format: 'slack' });
}

/** A Discord webhook (https://discord.com/api/webhooks/...). */
export function discordChannel(options: Omit<WebhookChannelOptions, 'format'>): NotificationChannel {
  return webhookChannel({ ...options, format: 'discord' });
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
