/**
 * Query parameters whose values are credentials when they appear in a URL (`access_token`,
 * `refresh_token`, `password`, `client_secret`, `api_key`...): a client that puts one in a query
 * string must not find it in the logs. Matched anywhere in the name, in any case.
 */
const SECRET_NAME = /token|passw|secret|api[-_]?key|credential|signature|authorization|session/i;

const QUERY_PAIR = /([^&=]*)(=?)([^&]*)/g;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The URL with the values of secret-looking query parameters replaced by `[REDACTED]`, every
 * other byte kept. On the logging path of every request, so the common case is cheap: a URL
 * without a query, or whose query names nothing secret-looking and has no percent-escape (which
 * could hide one), is returned as it is after one indexOf and one regular-expression test.
 */
export function redactQuerySecrets(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const query = url.slice(start + 1);
  if (!SECRET_NAME.test(query) && !query.includes('%')) return url;
  const redacted = query.replace(QUERY_PAIR, (pair, name: string, equals: string) =>
    equals && SECRET_NAME.test(decodedName(name)) ? `${name}=[REDACTED]` : pair,
  );
  return `${url.slice(0, start + 1)}${redacted}`;
}
