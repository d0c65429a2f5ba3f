/**
 * Who is acting: an admin through the Admin API, or an LLM through the MCP management
 * tools. Services take it explicitly so both edges share one code path and one set of
 * rules (an LLM can never approve anything).
 */
export interface Actor {
  kind: 'admin' | 'llm';
  /** The admin's username, or the MCP client's identity (user email in remote mode). */
  name: string;
}

export const adminActor = (username: string): Actor => ({ kind: 'admin', name: username });
