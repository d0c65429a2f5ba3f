/**
 * Who is acting. Services take it explicitly so the Admin API and the MCP management tools
 * share one code path and one set of rules (src/access/access-policy.ts decides who may
 * do what: an LLM can never approve anything).
 */
export type ActorKind = 'admin' | 'llm' | 'system';

export interface Actor {
  /** `admin`: a logged-in admin (Admin API). `llm`: an MCP client. `system`: MCPBox itself (start-up, restores). */
  readonly kind: ActorKind;
  /** The admin's username, the MCP client's identity (user email in remote mode), or `system`. */
  readonly name: string;
}

export const adminActor = (username: string): Actor => ({ kind: 'admin', name: username });
export const llmActor = (name: string): Actor => ({ kind: 'llm', name });
export const SYSTEM_ACTOR: Actor = Object.freeze({ kind: 'system', name: 'system' });
