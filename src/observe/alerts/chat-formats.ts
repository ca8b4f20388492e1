/**
 * Slack and Discord incoming-webhook bodies for a notification: a plain-text summary for
 * clients that show only text, and one attachment (Slack) or embed (Discord) per alert with its
 * colour, description, labels and time.
 */
import type { AlertNotice, Notification } from './channels.js';

/** Discord refuses more than 10 embeds and content past 2,000 characters. */
export const DISCORD_MAX_EMBEDS = 10;
export const DISCORD_MAX_CONTENT = 2_000;

/** One line per alert, e.g. `🔥 [CRITICAL] BreakerOpen firing (name=binance): a breaker is open (value 1)`. */
export function summary(n: Notification): string {
  const icon = n.status === 'firing' ? '🔥' : '✅';
  const lines = n.alerts.map((a) => {
    const which = seriesText(a);
    return `${icon} [${a.severity.toUpperCase()}] ${a.rule} ${a.status}${which ? ` (${which})` : ''}${a.description ? `: ${a.description}` : ''} (value ${a.value})`;
  });
  return `${n.repeat ? '(reminder) ' : ''}${lines.join('\n')}`;
}

/** The labels of the series an alert holds for, e.g. `name=binance; name=kraken`. */
function seriesText(a: AlertNotice): string {
  return (a.series ?? [])
    .map((s) => Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(','))
    .filter((t) => t !== '')
    .join('; ');
}

function fields(a: AlertNotice): Array<[string, string]> {
  const out: Array<[string, string]> = [['severity', a.severity], ['value', String(a.value)]];
  const which = seriesText(a);
  if (which) out.push(['series', which]);
  for (const [k, v] of Object.entries(a.labels)) out.push([k, v]);
  return out;
}

/** Slack's colours: red while firing a critical alert, amber for the others, green once resolved. */
function slackColor(a: AlertNotice): string {
  return a.status === 'resolved' ? 'good' : a.severity === 'critical' ? 'danger' : 'warning';
}

export interface SlackPayload {
  text: string;
  attachments: Array<{ color: string; title: string; text: string; fields: Array<{ title: string; value: string; short: boolean }>; ts: number }>;
}

/** Slack incoming webhook: `text` plus one attachment per alert. */
export function slackPayload(n: Notification): SlackPayload {
  return {
    text: summary(n),
    attachments: n.alerts.map((a) => ({
      color: slackColor(a),
      title: `[${a.status.toUpperCase()}] ${a.rule}`,
      text: a.description,
      fields: fields(a).map(([title, value]) => ({ title, value, short: true })),
      ts: Math.floor((a.resolvedAt ?? a.firingAt) / 1_000),
    })),
  };
}

/** Discord colours as integers: red, amber, green. */
const DISCORD_COLORS = { critical: 0xe01e5a, other: 0xecb22e, resolved: 0x2eb67d } as const;

export interface DiscordPayload {
  content: string;
  embeds: Array<{ title: string; description: string; color: number; fields: Array<{ name: string; value: string; inline: boolean }>; timestamp: string }>;
}

/** Discord webhook: `content` plus one embed per alert (at most 10; the summary lists them all). */
export function discordPayload(n: Notification): DiscordPayload {
  const content = summary(n);
  return {
    content: content.length > DISCORD_MAX_CONTENT ? `${content.slice(0, DISCORD_MAX_CONTENT - 1)}…` : content,
    embeds: n.alerts.slice(0, DISCORD_MAX_EMBEDS).map((a) => ({
      title: `[${a.status.toUpperCase()}] ${a.rule}`,
      description: a.description,
      color: a.status === 'resolved' ? DISCORD_COLORS.resolved : a.severity === 'critical' ? DISCORD_COLORS.critical : DISCORD_COLORS.other,
      fields: fields(a).map(([name, value]) => ({ name, value, inline: true })),
      timestamp: new Date(a.resolvedAt ?? a.firingAt).toISOString(),
    })),
  };
}
