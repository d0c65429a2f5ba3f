import { isIP } from 'node:net';
import {
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';

export interface OriginPolicyOptions {
  /** The address the app listens on (HOST). */
  bindHost: string;
  /** MCP_ALLOWED_HOSTS: extra host names for the Host header. */
  allowedHosts: string[];
  /** MCP_ALLOWED_ORIGINS and CORS_ORIGINS: extra origins (or bare host names). */
  allowedOrigins: string[];
  /** MCPBOX_PUBLIC_URL: its host is always allowed, in Host and Origin. */
  publicUrl: string;
}

const LOOPBACK_BINDS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** `https://app.example.com:8443` or `app.example.com` → `app.example.com` (the SDK's allowlists are host names). */
function hostnameOf(entry: string): string | null {
  try {
    return new URL(entry.includes('://') ? entry : `http://${entry}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * DNS-rebinding protection for `/mcp` (the MCP transport spec's Origin rule), with the
 * SDK's own validators. A rebinding attack needs a DNS name that the victim's browser
 * sends as Host and Origin, so:
 * - Host: loopback names, the public URL's host and MCP_ALLOWED_HOSTS; on a non-loopback
 *   bind also any IP literal (an address cannot be rebound).
 * - Origin: absent (non-browser clients), loopback origins, the public URL's origin,
 *   CORS_ORIGINS and MCP_ALLOWED_ORIGINS. Anything else, `null` included, is refused.
 */
export class OriginPolicy {
  private readonly hosts: string[];
  private readonly origins: string[];
  private readonly loopbackBind: boolean;

  constructor(opts: OriginPolicyOptions) {
    const publicHost = hostnameOf(opts.publicUrl);
    this.loopbackBind = LOOPBACK_BINDS.has(opts.bindHost.toLowerCase()) || opts.bindHost.startsWith('127.');
    const extraHosts = opts.allowedHosts.map(hostnameOf).filter((h): h is string => !!h);
    this.hosts = [...localhostAllowedHostnames(), ...extraHosts, ...(publicHost ? [publicHost] : [])];
    const extraOrigins = opts.allowedOrigins.map(hostnameOf).filter((h): h is string => !!h);
    this.origins = [...localhostAllowedOrigins(), ...extraOrigins, ...(publicHost ? [publicHost] : [])];
  }

  /** Null when the request may proceed, else why it is refused. */
  refusal(hostHeader: string | undefined, originHeader: string | undefined): string | null {
    const host = validateHostHeader(hostHeader, this.hosts);
    if (!host.ok) {
      const ipLiteral =
        host.errorCode === 'invalid_host' &&
        host.hostname !== undefined &&
        isIP(host.hostname.replace(/^\[|\]$/g, '')) !== 0;
      if (!ipLiteral || this.loopbackBind)
        return `${host.message}. Allow the host name with MCP_ALLOWED_HOSTS (or MCPBOX_PUBLIC_URL)`;
    }
    const origin = validateOriginHeader(originHeader, this.origins);
    if (!origin.ok) return `${origin.message}. Allow the origin with MCP_ALLOWED_ORIGINS or CORS_ORIGINS`;
    return null;
  }
}
