import type { Actor } from '../common/actor';
import { forbidden } from '../common/errors';

/**
 * What only an admin may do (decide approvals, revoke, change the security policy, allow
 * hosts or modules, set secret values, import): an LLM is refused, whatever the mode.
 * `what` completes "An LLM can never …".
 */
export function requireAdmin(actor: Actor, what: string): void {
  if (actor.kind === 'llm')
    throw forbidden(`An LLM can never ${what}; an admin decides in the approvals queue (Admin API /api/approvals)`);
}
