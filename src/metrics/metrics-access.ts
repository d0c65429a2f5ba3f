import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from '../common/client-key';

/** Headers a reverse proxy adds: a request carrying one came through a proxy, whatever its socket says. */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

export type MetricsDecision = { allowed: true } | { allowed: false; status: 401 | 403; message: string };

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may read `/metrics` (docs/architecture.md#metrics): a loopback caller that did not come through a proxy
 * (a Prometheus on the same machine), or anyone presenting METRICS_TOKEN as a bearer token
 * (compared in constant time). Without METRICS_TOKEN, loopback only. `address` is the
 * client address after the trusted proxies (TRUST_PROXY): behind a proxy that is trusted
 * it is the real client's; behind one that is not, the proxy's headers still give it away.
 */
export function metricsAccess(
  address: string,
  headers: IncomingHttpHeaders,
  token: string | undefined,
): MetricsDecision {
  const proxied = PROXY_HEADERS.some((h) => headers[h] !== undefined);
  if (isLoopback(address) && !proxied) return { allowed: true };
  if (!token)
    return {
      allowed: false,
      status: 403,
      message: 'Metrics are served to loopback callers only; set METRICS_TOKEN to let others in with it',
    };
  const given = /^Bearer ([\x21-\x7e]+)$/i.exec(headers.authorization ?? '')?.[1];
  if (given && timingSafeEqual(sha256(given), sha256(token))) return { allowed: true };
  return { allowed: false, status: 401, message: 'Metrics need the METRICS_TOKEN as a bearer token' };
}
