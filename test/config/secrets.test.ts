import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/loader.js';
import { createLogger } from '../../src/config/logger.js';
import { withCorrelationId } from '../../src/core/correlation.js';
import { clearRegisteredSecrets, redactSecrets, sanitizeText } from '../../src/core/secrets.js';
import { toErrorReport } from '../../src/core/taxonomy.js';

afterEach(() => clearRegisteredSecrets());

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, destination };
}

describe('secret redaction', () => {
  it('config errors never show a secret, even when the secret itself is the bad value', () => {
    let message = '';
    try {
      loadConfig({
        environment: { BULWARK_EXCHANGE__SECRET: 'sk-live-9f8e7d6c', BULWARK_EXCHANGE__API_KEY: 'ak-12345678' },
        readFile: () => undefined,
        overrides: { server: { port: 'sk-live-9f8e7d6c' } },
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('server.port');
    expect(message).not.toContain('sk-live-9f8e7d6c');
  });

  it('once loaded, secret values are masked in any sanitised text and error report', () => {
    loadConfig({ environment: { BULWARK_EXCHANGE__API_KEY: 'ak-12345678', BULWARK_EXCHANGE__SECRET: 'topsecretvalue' }, readFile: () => undefined });
    expect(sanitizeText('request signed with topsecretvalue failed')).toBe('request signed with [REDACTED] failed');
    const report = toErrorReport(new Error('auth failed for key ak-12345678'));
    expect(report.message).toBe('auth failed for key [REDACTED]');
  });

  it('masks URL credentials, key=value pairs and bearer tokens without registration', () => {
    expect(sanitizeText('connect postgres://bot:pa55word@db:5432/x failed')).toBe('connect postgres://bot:[REDACTED]@db:5432/x failed');
    expect(sanitizeText('apiKey=abcd1234 password: "hunter2" token=xyz')).toBe('apiKey=[REDACTED] password: "[REDACTED]" token=[REDACTED]');
    expect(sanitizeText('Authorization: Bearer eyJhbGciOi.x.y')).toBe('Authorization: Bearer [REDACTED]');
  });

  it('redacts secret keys at any depth of an object', () => {
    expect(redactSecrets({ exchange: { apiKey: 'a', secret: 'b', id: 'binance' }, db: { password: 'p', host: 'h' }, list: [{ token: 't' }] })).toEqual({
      exchange: { apiKey: '[REDACTED]', secret: '[REDACTED]', id: 'binance' },
      db: { password: '[REDACTED]', host: 'h' },
      list: [{ token: '[REDACTED]' }],
    });
  });

  it('the logger redacts fields, messages and errors, and adds the correlation id', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination });
    withCorrelationId('corr-1', () => {
      logger.info({ exchange: { apiKey: 'ak-abcdef', id: 'kraken' } }, 'connecting to redis://u:pw1234@cache:6379');
      logger.error(new Error('login failed password=hunter22'), 'boom');
    });
    const first = JSON.parse(lines[0]!);
    expect(first.exchange).toEqual({ apiKey: '[REDACTED]', id: 'kraken' });
    expect(first.msg).toBe('connecting to redis://u:[REDACTED]@cache:6379');
    expect(first.correlationId).toBe('corr-1');
    const second = JSON.parse(lines[1]!);
    expect(second.err.message).toBe('login failed password=[REDACTED]');
    expect(lines.join('')).not.toMatch(/ak-abcdef|pw1234|hunter22/);
  });
});
