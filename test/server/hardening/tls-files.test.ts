/**
 * TLS from files, over real sockets: the server presents the configured certificate, reloads it
 * when the files change (new connections get the new one), keeps the old one when the new pair is
 * unusable, and with a CA file and requestClientCert refuses clients without a certificate it signed.
 * Certificates are made in the test with openssl.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PeerCertificate, connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readTlsMaterial, watchTlsFiles } from '../../../src/server/tls-files.js';
import { type Fixture, fixture } from '../fixture.js';

let dir: string;
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });

/** A key and a certificate for localhost, self-signed or signed by the CA at `ca`. */
function certificate(name: string, options: { ca?: string; cn?: string; isCa?: boolean } = {}): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const subject = `/CN=${options.cn ?? 'localhost'}`;
  if (options.ca) {
    const csr = join(dir, `${name}.csr`);
    openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject);
    openssl('x509', '-req', '-in', csr, '-CA', `${options.ca}.crt`, '-CAkey', `${options.ca}.key`, '-CAcreateserial', '-out', cert, '-days', '2');
  } else {
    const ext = options.isCa ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', subject, ...ext);
  }
  return { cert, key };
}

const fingerprintOf = (file: string): string => new X509Certificate(readFileSync(file)).fingerprint256;

/** The certificate the server presents to a new connection. */
function presented(port: number, options: { cert?: string; key?: string } = {}): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...(options.cert ? { cert: readFileSync(options.cert), key: readFileSync(options.key!) } : {}) }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** GET over HTTPS trusting `ca`; resolves with the status and headers, or rejects when the handshake fails. */
function get(port: number, ca: string, path: string, client?: { cert: string; key: string }): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, servername: 'localhost', ca: readFileSync(ca), headers: { host: `localhost:${port}` }, ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}) },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-tls-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('TLS from files', () => {
  it('serves HTTPS with the configured certificate, with HSTS', async () => {
    const server = certificate('server');
    f = await fixture({ app: { tls: { certFile: server.cert, keyFile: server.key } } });
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (f.app.server.address() as { port: number }).port;
    const res = await get(port, server.cert, '/livez');
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await presented(port)).fingerprint256).toBe(fingerprintOf(server.cert));
  });

  it('reloads the certificate and key when the files change; new connections get the new one', async () => {
    const first = certificate('first');
    const second = certificate('second');
    const certFile = join(dir, 'live.crt');
    const keyFile = join(dir, 'live.key');
    writeFileSync(certFile, readFileSync(first.cert));
    writeFileSync(keyFile, readFileSync(first.key));
    const { createServer } = await import('node:https');
    const server = createServer({ ...readTlsMaterial({ certFile, keyFile }) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const outcomes: Array<{ ok: boolean }> = [];
    let applied!: () => void;
    const reloaded = new Promise<void>((resolve) => (applied = resolve));
    const watcher = watchTlsFiles(server, { certFile, keyFile, reloadCheckMs: 50 }, (outcome) => {
      outcomes.push(outcome);
      if (outcome.ok) applied();
    });
    try {
      expect((await presented(port)).fingerprint256).toBe(fingerprintOf(first.cert));
      // Key first, then certificate: in between the pair does not match and is not applied.
      writeFileSync(keyFile, readFileSync(second.key));
      writeFileSync(certFile, readFileSync(second.cert));
      await reloaded;
      expect((await presented(port)).fingerprint256).toBe(fingerprintOf(second.cert));
      expect(outcomes.at(-1)).toEqual({ ok: true });
    } finally {
      watcher.stop();
      server.close();
    }
  }, 30_000);

  it('keeps the previous certificate when the new files do not form a pair, naming the files by base name', async () => {
    const a = certificate('pair-a');
    const b = certificate('pair-b');
    expect(() => readTlsMaterial({ certFile: a.cert, keyFile: b.key })).toThrow(/^security\.tls: pair-a\.crt and pair-b\.key do not form a usable certificate and key/);
    expect(() => readTlsMaterial({ certFile: join(dir, 'missing.crt'), keyFile: a.key })).toThrow(/^security\.tls\.certFile: cannot read missing\.crt \(ENOENT\)$/);
  });

  it('with caFile and requestClientCert: refuses a client without a certificate, admits one the CA signed', async () => {
    const ca = certificate('ca', { cn: 'Bulwark test CA', isCa: true });
    const server = certificate('mtls-server');
    const client = certificate('client', { ca: join(dir, 'ca'), cn: 'desk-1' });
    const stranger = certificate('stranger', { cn: 'not-signed' });
    f = await fixture({ app: { tls: { certFile: server.cert, keyFile: server.key, caFile: ca.cert, requestClientCert: true } } });
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (f.app.server.address() as { port: number }).port;
    expect((await get(port, server.cert, '/livez', client)).status).toBe(200);
    await expect(get(port, server.cert, '/livez')).rejects.toThrow();
    await expect(get(port, server.cert, '/livez', stranger)).rejects.toThrow();
  }, 30_000);
});
