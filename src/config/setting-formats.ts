import proxyAddr from '@fastify/proxy-addr';

/** The items of a comma-separated setting, trimmed, without empty entries. */
export function listItems(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Fastify's trustProxy syntax: true, false, a hop count, or addresses and CIDR ranges. The list is
 * checked by the parser Fastify itself compiles it with, so what passes here cannot fail there.
 */
export function isTrustProxy(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const trimmed = value.trim();
  if (/^(?:true|false|\d+)$/.test(trimmed)) return true;
  try {
    proxyAddr.compile(trimmed.split(',').map((item) => item.trim()));
    return true;
  } catch {
    return false;
  }
}

/**
 * Origins as browsers send them in the Origin header (scheme, host, optional port; no path, no
 * trailing slash): anything else could never match a request, and would silently allow nothing.
 */
export function isCorsOriginList(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const origins = listItems(value);
  return origins.length > 0 && origins.every(isOrigin);
}

function isOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
}
