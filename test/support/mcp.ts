import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export type Era = 'modern' | 'legacy';
export const ERAS: Era[] = ['modern', 'legacy'];
export const MODERN_VERSION = '2026-07-28';

export interface McpClientOptions {
  headers?: Record<string, string>;
  name?: string;
  /** Capabilities the client declares (elicitation, sampling, roots...). */
  capabilities?: Record<string, unknown>;
}

/**
 * An SDK client on an MCPBox endpoint: `modern` pins protocol 2026-07-28 (a 2.x client
 * without the pin speaks 2025), `legacy` opens a 2025-11-25 session.
 */
export async function connectMcp(url: string, era: Era, opts: McpClientOptions = {}): Promise<Client> {
  const client = new Client(
    { name: opts.name ?? `test-${era}`, version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_VERSION } } } : {}),
      ...(opts.capabilities ? { capabilities: opts.capabilities } : {}),
    },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: opts.headers ?? {} } });
  await client.connect(transport);
  return client;
}

/** Resolves when `notifications/tools/list_changed` arrives (rejects after `ms`). */
export function nextListChanged(client: Client, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no tools/list_changed within ${ms} ms`)), ms);
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The text of the first content block of a tool result. */
export const firstText = (result: { content?: unknown }): string =>
  ((result.content as { type: string; text?: string }[] | undefined)?.[0]?.text ?? '') as string;

/** Counts `notifications/tools/list_changed` on a client; `next()` waits for the next one. */
export function watchListChanged(client: Client): { count: () => number; next: (ms?: number) => Promise<void> } {
  let count = 0;
  let waiters: (() => void)[] = [];
  client.setNotificationHandler('notifications/tools/list_changed', () => {
    count++;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  });
  return {
    count: () => count,
    next: (ms = 5000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no tools/list_changed within ${ms} ms`)), ms);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
