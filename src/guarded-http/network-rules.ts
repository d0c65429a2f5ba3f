import type { AllowedHost } from '../servers/entities/server.entity';

export type NetworkPolicy = 'require_approval' | 'allow_all_public';

/** What outbound HTTP may reach (docs/guarded-http.md#network-rules): for tool code, read fresh for every call. */
export interface NetworkRules {
  /** Approved host records of the server (`servers.allowed_hosts`). */
  allowedHosts: AllowedHost[];
  /** `network_access_policy` at the time of the request. */
  policy: NetworkPolicy;
  /** `MCPBOX_TEST_ALLOW_LOOPBACK`: lifts the loopback block for approved hosts alone. */
  allowLoopback: boolean;
}
