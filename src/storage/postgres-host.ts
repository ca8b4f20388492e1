/** How a PostgreSQL host is named in events, errors and the API: `host:port`, never the credentials of its URL. */

/** `host:port` of a `postgres://` URL (port 5432 when absent); `host-N` (N from 1) when the string is not a URL. */
export function postgresHostName(connectionString: string, index: number): string {
  try {
    const url = new URL(connectionString);
    if (url.hostname !== '') return `${url.hostname}:${url.port === '' ? '5432' : url.port}`;
  } catch {
    // A key=value connection string: no host to show without parsing libpq's syntax.
  }
  return `host-${index + 1}`;
}

/** Names for each of `connectionStrings`, unique (a repeated host gets `#2`, `#3`...). */
export function postgresHostNames(connectionStrings: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return connectionStrings.map((cs, i) => {
    const name = postgresHostName(cs, i);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}#${n}`;
  });
}
