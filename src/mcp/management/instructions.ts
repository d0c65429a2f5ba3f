/**
 * What `/mcp` tells an LLM about MCPBox in `initialize` and `server/discover`: the
 * workflow and the tool-code contract, in a few paragraphs (README "Writing a tool" is the
 * long form; docs/architecture.md the rules behind it).
 */
export const MANAGEMENT_INSTRUCTIONS = `MCPBox lets you build your own MCP tools. A server is a named group of tools; a tool is JavaScript (or TypeScript) code that runs in a sandbox. A human admin approves every tool before it can run, and you can never approve anything yourself.

Workflow: mcpbox_create_server (or pick one from mcpbox_list_servers) → mcpbox_create_tool → mcpbox_validate_code while you write → mcpbox_request_publish → wait until an admin approves (mcpbox_get_tool_status) → mcpbox_test_code → mcpbox_start_server → the tool appears here as {server}__{tool} (the list changes; if your client does not refresh its tool list, use mcpbox_call_tool). Editing a tool's code, schema or name sends it back to review. Under tool_approval_mode=auto_approve tools are approved at once and can be tested before publishing.

Tool code is an ES module exporting async function main(args), where args is the call's arguments object (its input schema is derived from main's destructured parameter unless you give input_schema). Return a string (one text block), any JSON value (a text block with its JSON, plus structuredContent for an object), or {content: [...]} with MCP content blocks; a thrown error becomes an isError result with its message. Available: the ECMAScript built-ins, fetch(url, init) and http.get/post/put/patch/delete, secrets.NAME (this server's secrets), console.* (captured as stdout), URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa, crypto.randomUUID/getRandomValues/digest/hmac, setTimeout, and import of approved npm modules. No require, process, file system or sockets.

Limits: a wall-clock timeout per call (the tool's timeout_ms, else the server's default, at most 300 s), a memory limit per server, 1 MiB of result (longer is truncated) and of stdout, 10 concurrent and 1000 total outbound requests per call, 10 MiB per HTTP response.

Network: code may reach only hosts an admin allowed for the server: ask with mcpbox_request_network_access (with a justification). Secrets: create a placeholder with mcpbox_create_server_secret and ask the admin to set its value; secret values never appear in results or logs. npm modules: ask with mcpbox_request_module. mcpbox_list_pending_requests shows where your requests stand.

Another MCP server's tools: mcpbox_add_external_source (its host must be allowed; credentials in a server secret) → mcpbox_discover_external_tools → mcpbox_import_external_tools (drafts) → mcpbox_request_publish for each → an admin approves → they appear as {server}__{tool} while the server runs. If the source changes a tool's description or schema, the tool goes back to review until an admin approves the new definition.`;
