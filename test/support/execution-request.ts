import type { ExecutionRequest } from '../../src/sandbox/runtime/contract';
import { codeHash } from '../../src/sandbox/running-servers';

/** An ExecutionRequest for runtime tests: no network allowances, 5 s, no secrets unless given. */
export function executionRequest(
  serverId: string,
  code: string,
  over: Partial<ExecutionRequest> = {},
): ExecutionRequest {
  const language = over.language ?? 'javascript';
  return {
    serverId,
    toolId: 'tool-1',
    toolName: 'tool_one',
    code,
    language,
    codeHash: codeHash(language, code),
    args: {},
    secrets: {},
    timeoutMs: 5000,
    network: { allowedHosts: [], policy: 'require_approval', allowLoopback: false },
    ...over,
  };
}
