/**
 * TLS from the config: the certificate and key (and the CA for client certificates) are read
 * from files at start, and read again when a file changes, so a renewed certificate (certbot,
 * cert-manager) takes effect without a restart: `server.setSecureContext()` applies to new
 * connections, open ones keep theirs. A half-written or mismatched pair is not applied: the
 * server keeps the last good one and reports the error.
 */
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { basename } from 'node:path';
import { createSecureContext } from 'node:tls';
import { checkInteger } from '../core/option-checks.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA that client certificates must chain to. */
  caFile?: string;
  /** Ask for a client certificate and refuse connections without a valid one. */
  requestClientCert?: boolean;
  /** How often the files are checked for a change (ms). */
  reloadCheckMs?: number;
}

export const TLS_FILES_DEFAULTS = {
  requestClientCert: false, // server-authenticated TLS; client certificates are an opt-in for mTLS deployments
  reloadCheckMs: 5_000, // a renewal lands days before expiry: polling every few seconds costs three stat() calls
};

export interface SecureContextMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** The key material, read now; errors name the file by its base name only. */
export function readTlsMaterial(files: TlsFiles): SecureContextMaterial {
  const read = (option: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new Error(`security.tls.${option}: cannot read ${basename(file)}${typeof code === 'string' ? ` (${code})` : ''}`);
    }
  };
  const material: SecureContextMaterial = { cert: read('certFile', files.certFile), key: read('keyFile', files.keyFile) };
  if (files.caFile !== undefined) material.ca = read('caFile', files.caFile);
  try {
    // Fails on a key that does not match its certificate, or on PEM that is not one.
    createSecureContext(material);
  } catch (error) {
    throw new Error(`security.tls: ${basename(files.certFile)} and ${basename(files.keyFile)} do not form a usable certificate and key (${(error as Error).message.split('\n')[0]})`);
  }
  return material;
}

/** Options for https.createServer (fastify's `https`). */
export function httpsOptions(files: TlsFiles): SecureContextMaterial & { requestCert: boolean; rejectUnauthorized: boolean } {
  const requestCert = files.requestClientCert ?? TLS_FILES_DEFAULTS.requestClientCert;
  return { ...readTlsMaterial(files), requestCert, rejectUnauthorized: requestCert };
}

export interface TlsReloader {
  /** Reads the files and applies them now; rejects (keeping the old context) when they are not usable. */
  reload(): void;
  stop(): void;
}

/** Watches the files and applies a change to the server; `onReload` hears each outcome. */
export function watchTlsFiles(
  server: { setSecureContext(options: SecureContextMaterial): void },
  files: TlsFiles,
  onReload: (outcome: { ok: true } | { ok: false; error: Error }) => void = () => undefined,
): TlsReloader {
  const intervalMs = files.reloadCheckMs ?? TLS_FILES_DEFAULTS.reloadCheckMs;
  checkInteger('security.tls', 'reloadCheckMs', intervalMs, 1);
  const paths = [files.certFile, files.keyFile, ...(files.caFile !== undefined ? [files.caFile] : [])];
  const reload = (): void => server.setSecureContext(readTlsMaterial(files));
  const listener = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
    try {
      reload();
      onReload({ ok: true });
    } catch (error) {
      onReload({ ok: false, error: error as Error });
    }
  };
  for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return {
    reload,
    stop() {
      for (const path of paths) unwatchFile(path, listener);
    },
  };
}
