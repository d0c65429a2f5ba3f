/**
 * A conformance-suite client command that drives MCPBox's external-source client library
 * (src/external-sources/client) as the client under test:
 *   conformance client --command "node dist/test/support/conformance-client.js" --scenario <name>
 * The runner appends the server URL and sets MCP_CONFORMANCE_SCENARIO (and, per scenario,
 * MCP_CONFORMANCE_CONTEXT). Everything goes through the library as the product uses it:
 * discover(), call(), and for OAuth the admin's two steps (startAuthorization, then the
 * browser's redirect handed to completeAuthorization); the "browser" is a plain request to
 * the authorization URL, whose redirect carries the code. Exit code 0 = the flow completed.
 */
import { ExternalSourceClient } from '../../src/external-sources/client/external-source-client';
import { SourceNeedsAuthError } from '../../src/external-sources/client/source-errors';
import type { StoredOAuthState } from '../../src/external-sources/client/oauth-state';
import { SourceOAuth } from '../../src/external-sources/client/source-oauth';
import { plainFetch } from './plain-fetch';

const REDIRECT_URL = 'http://localhost:3000/callback';
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The SEP-2243 header mocks answer neither server/discover nor a 2026 initialize; like the
 * SDK's own conformance client, the harness answers the era probe locally (not the library).
 */
function withLocalDiscover(inner: Fetch): Fetch {
  return async (input, init) => {
    if (typeof init?.body === 'string' && init.body.includes('"server/discover"')) {
      const { id } = JSON.parse(init.body) as { id: unknown };
      return Response.json({
        jsonrpc: '2.0',
        id,
        result: {
          supportedVersions: ['2026-07-28'],
          capabilities: { tools: { listChanged: true } },
          _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mock', version: '1.0.0' } },
        },
      });
    }
    return inner(input, init);
  };
}

function memoryStore(initial: StoredOAuthState | null = null) {
  let state = initial;
  return { load: async () => state, save: async (s: StoredOAuthState | null) => void (state = s) };
}

async function adminAuthorizes(oauth: SourceOAuth, scope?: string): Promise<void> {
  const { authorizationUrl } = await oauth.startAuthorization({ scope });
  const res = await plainFetch(authorizationUrl, { method: 'GET' });
  const location = res.headers.get('location');
  await res.body?.cancel();
  if (!location) throw new Error(`the authorization endpoint answered ${res.status} without a redirect`);
  await oauth.completeAuthorization(new URL(location).searchParams);
}

/** Runs `step`; when the source needs an admin, the admin authorizes (with the scope asked for) and it runs again. */
async function withAuthorization<T>(oauth: SourceOAuth | undefined, step: () => Promise<T>): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await step();
    } catch (error) {
      if (!oauth || !(error instanceof SourceNeedsAuthError) || round >= 3) throw error;
      await adminAuthorizes(oauth, error.scope);
    }
  }
}

async function main(): Promise<void> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const url = process.argv[2];
  if (!url) throw new Error('usage: conformance-client <server-url>');
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as {
    client_id?: string;
    client_secret?: string;
    toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  };
  const fetch: Fetch = scenario.startsWith('http-') ? withLocalDiscover(plainFetch) : plainFetch;
  const oauth = scenario.startsWith('auth/')
    ? new SourceOAuth({
        url,
        transport: 'streamable_http',
        fetch,
        redirectUrl: REDIRECT_URL,
        clientName: 'mcpbox-conformance',
        clientMetadataUrl: CLIENT_METADATA_URL,
        store: memoryStore(
          context.client_id
            ? { clientInformation: { client_id: context.client_id, client_secret: context.client_secret } }
            : null,
        ),
      })
    : undefined;
  const client = new ExternalSourceClient({
    url,
    transport: 'streamable_http',
    fetch,
    auth: oauth ? { type: 'oauth', oauth } : { type: 'none' },
    connectTimeoutMs: 10_000,
    callTimeoutMs: 20_000,
  });
  try {
    const found = await withAuthorization(oauth, () => client.discover());
    const names = new Set(found.tools.map((t) => t.name));
    if (scenario === 'tools_call' && names.has('add_numbers')) await client.call('add_numbers', { a: 5, b: 3 });
    if (scenario === 'sse-retry') await client.call('test_reconnection', {});
    if (scenario === 'json-schema-2020-12-preservation') {
      const focal = found.tools.find((t) => t.name === 'json_schema_2020_12_tool');
      if (!focal) throw new Error('json_schema_2020_12_tool not listed');
      await client.call('json_schema_echo', { schema: focal.inputSchema });
    }
    if (scenario === 'http-standard-headers' || scenario === 'http-invalid-tool-headers')
      for (const tool of found.tools)
        await client
          .call(tool.name, scenario === 'http-standard-headers' ? {} : { region: 'us-west1' })
          .catch(() => undefined);
    if (scenario === 'http-custom-headers')
      for (const c of context.toolCalls ?? []) await client.call(c.name, c.arguments);
    if (scenario.startsWith('auth/') && names.has('test-tool'))
      await withAuthorization(oauth, () => client.call('test-tool', {}));
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`conformance client: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
