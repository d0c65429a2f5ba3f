/** How a source is reached: MCP Streamable HTTP (either era), or the old HTTP+SSE transport. */
export type SourceTransport = 'streamable_http' | 'sse';
