import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutionLogsService } from '../../src/sandbox/execution-logs.service';
import type { TestApp } from '../support/app';

/** Shared by the sandbox e2e files: API fixtures and a loopback weather peer. */

export async function createServerVia(
  t: TestApp,
  token: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await t.post('/api/servers', { name, ...extra }, { token });
  assert.equal(res.status, 201, res.text);
  return res.body.id as string;
}

export async function createToolVia(
  t: TestApp,
  token: string,
  serverId: string,
  body: Record<string, unknown>,
): Promise<{ id: string; approval_status: string }> {
  const res = await t.post(`/api/servers/${serverId}/tools`, { description: 'a test tool', ...body }, { token });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** submit_for_review then approve, as an admin would through the tool queue. */
export async function approveTool(t: TestApp, token: string, toolId: string): Promise<void> {
  const submit = await t.post(`/api/approvals/tools/${toolId}/action`, { action: 'submit_for_review' }, { token });
  // 409: already pending review (e.g. an approved tool sent back by an edit).
  assert.ok([200, 201, 409].includes(submit.status), submit.text);
  const approve = await t.post(`/api/approvals/tools/${toolId}/action`, { action: 'approve' }, { token });
  assert.ok([200, 201].includes(approve.status), approve.text);
}

export async function setSecret(
  t: TestApp,
  token: string,
  serverId: string,
  key: string,
  value: string,
): Promise<void> {
  const existing = await t.get(`/api/servers/${serverId}/secrets`, { token });
  const items: { key_name: string }[] = Array.isArray(existing.body) ? existing.body : (existing.body?.items ?? []);
  if (!items.some((s) => s.key_name === key)) {
    const created = await t.post(`/api/servers/${serverId}/secrets`, { key_name: key }, { token });
    assert.equal(created.status, 201, created.text);
  }
  const set = await t.put(`/api/servers/${serverId}/secrets/${key}`, { value }, { token });
  assert.equal(set.status, 200, set.text);
}

export async function allowHost(
  t: TestApp,
  token: string,
  serverId: string,
  host: string,
  port: number,
): Promise<void> {
  const res = await t.post(`/api/servers/${serverId}/allowed-hosts`, { host, port }, { token });
  assert.equal(res.status, 201, res.text);
}

export async function setPolicy(t: TestApp, token: string, patch: Record<string, string | number>): Promise<void> {
  const res = await t.patch('/api/settings/security-policy', patch, { token });
  assert.equal(res.status, 200, res.text);
}

export interface WeatherPeer {
  port: number;
  /** The key the peer accepts; a request with another key gets a 401. */
  expectedKey: string;
  requests: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A weather API on 127.0.0.1 that checks `x-api-key` and echoes it back (to prove redaction). */
export async function startWeatherPeer(expectedKey: string): Promise<WeatherPeer> {
  const peer: WeatherPeer = { port: 0, expectedKey, requests: [], close: async () => undefined };
  const server = createServer((req, res) => {
    peer.requests.push({ url: req.url ?? '', headers: req.headers });
    const key = req.headers['x-api-key'];
    res.setHeader('content-type', 'application/json');
    if (key !== peer.expectedKey) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'bad key' }));
      return;
    }
    const city = new URL(req.url ?? '/', 'http://peer').searchParams.get('q');
    res.end(JSON.stringify({ city, temp_c: 21.5, conditions: 'sunny', key_seen: key }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.port = (server.address() as AddressInfo).port;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}

/** The example tool of docs/sandbox.md#tool-code (the README's), pointed at the loopback peer; it also prints the key it sends. */
export const weatherCode = (port: number) => `
export async function main({ city, units = "metric" }) {
  const res = await fetch(\`http://127.0.0.1:${port}/weather?q=\${encodeURIComponent(city)}&units=\${units}\`, {
    headers: { "x-api-key": secrets.WEATHER_KEY },
  });
  console.log("sent key " + secrets.WEATHER_KEY);
  if (!res.ok) throw new Error(\`upstream said \${res.status}\`);
  return await res.json();
}
`;

export interface ExecutionRow {
  id: string;
  tool_id: string | null;
  server_id: string;
  tool_name: string;
  input_args: unknown;
  result: string | null;
  error: string | null;
  stdout: string | null;
  duration_ms: number;
  success: boolean;
  is_test: boolean;
  executed_by: string | null;
}

export async function executionRows(t: TestApp, where = 'TRUE', params: unknown[] = []): Promise<ExecutionRow[]> {
  return (
    await t.db.query<ExecutionRow>(`SELECT * FROM tool_execution_logs WHERE ${where} ORDER BY created_at`, params)
  ).rows;
}

/**
 * Rows are written behind (group commit, up to 50 ms apart under traffic): every row of the
 * calls answered so far is written first, so the rows read are those calls' last ones; then
 * the count is waited for (a row enqueued after the answer, by a call still running).
 */
export async function waitForRows(
  t: TestApp,
  count: number,
  where = 'TRUE',
  params: unknown[] = [],
): Promise<ExecutionRow[]> {
  await t.app.get(ExecutionLogsService).drain();
  for (let i = 0; i < 100; i++) {
    const rows = await executionRows(t, where, params);
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
  return executionRows(t, where, params);
}
