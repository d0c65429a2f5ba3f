/**
 * `npm run bench activity`: a burst of 10,000 tool calls over `/mcp` (16 SDK clients,
 * protocol 2026-07-28, `mcp_rate_limit_rpm` raised for it), with a live activity stream
 * client connected. Reports the call rate, how long after the last answer every activity
 * entry was written, the entries and rows counted in the database (target: one
 * `tool_execution` and one `tools/call` `mcp_request` entry per call, none lost), and the
 * stream's latency (entry time to its arrival at the socket.io client), and what enqueueing
 * an entry costs the request that records it.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { io } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { ActivityService } from '../src/activity/activity.service';
import { validateInput } from '../src/common/contract/validate-input';
import { UpdateSecurityPolicyDto } from '../src/settings/dto/security-policy.dto';
import { SettingsService } from '../src/settings/settings.service';
import { startServiceFixture } from './service-fixture';
import { emptySample, ms, perSec, sample, summarise, table } from './support';

const TOOL = 'export async function main({ n }) { return { n, next: n + 1 }; }';
const CALLS = Number(process.env.BENCH_CALLS ?? 10_000);
const CLIENTS = 16;
const ADMIN = { username: 'bench', password: 'a long bench passphrase' };

async function connect(url: string): Promise<Client> {
  const client = new Client(
    { name: 'burst', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function main(): Promise<void> {
  const fx = await startServiceFixture({ toolName: 'burst', code: TOOL, workers: 2, maxConcurrency: 16, listen: true });
  try {
    const url = fx.url as string;
    await fx.app
      .get(SettingsService)
      .updatePolicy(
        { kind: 'admin', name: 'bench' },
        validateInput(UpdateSecurityPolicyDto, { mcp_rate_limit_rpm: 100_000 }),
      );
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post('/auth/setup', ADMIN);
    const token = ((await (await post('/auth/login', ADMIN)).json()) as { access_token: string }).access_token;

    // The stream client: each tool_execution entry's delay from its time to its arrival here.
    const latencies: number[] = [];
    const socket = io(url, {
      path: '/api/activity/stream',
      auth: { token, log_type: 'tool_execution' },
      transports: ['websocket'],
    });
    await new Promise<void>(
      (resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)),
    );
    let dropped = 0;
    socket.on('activity', (e: { created_at: string }) => latencies.push(Date.now() - Date.parse(e.created_at)));
    socket.on('activity_dropped', (n: { dropped: number }) => (dropped += n.dropped));

    const pool = await Promise.all(Array.from({ length: CLIENTS }, () => connect(`${url}/mcp`)));
    const startedAt = new Date();
    const s = emptySample();
    const began = performance.now();
    await sample(
      CLIENTS,
      CALLS,
      (i) =>
        pool[i % CLIENTS].callTool({ name: `bench__${fx.toolName}`, arguments: { n: i } }).then((r) => {
          if (r.isError) throw new Error(`the call failed: ${JSON.stringify(r.content)}`);
        }),
      s,
    );
    const answered = performance.now();
    await fx.app.get(ActivityService).drain();
    const written = performance.now();
    await Promise.all(pool.map((c) => c.close()));
    const until = Date.now() + 5000;
    while (latencies.length + dropped < CALLS && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    socket.close();

    // What recording costs a request itself: the synchronous part of enqueue (the write is behind).
    const activity = fx.app.get(ActivityService);
    const N = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < N; i++)
      activity.enqueue({ logType: 'system', level: 'debug', message: `bench enqueue ${i}`, details: { i } });
    const enqueueUs = ((performance.now() - t0) * 1000) / N;
    await activity.drain();

    const db = fx.app.get(DataSource);
    const count = async (sql: string) =>
      Number((await db.query<{ n: string }[]>(sql, [startedAt, fx.serverId]))[0]?.n ?? 0);
    const executions = await count(
      `SELECT count(*) AS n FROM activity_logs WHERE log_type = 'tool_execution' AND created_at >= $1 AND server_id = $2`,
    );
    const requests = await count(
      `SELECT count(*) AS n FROM activity_logs WHERE log_type = 'mcp_request' AND details->>'method' = 'tools/call' AND created_at >= $1 AND server_id = $2`,
    );
    const rows = await fx.loggedRows();

    const r = summarise(s);
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    console.log(`database: ${fx.database}; sandbox workers: 2; ${CALLS} calls by ${CLIENTS} clients (2026-07-28)`);
    console.log(
      table([
        ['calls', 'wall time', 'calls/s', 'p50', 'p99', 'all entries written after last answer'],
        [
          String(CALLS),
          `${((answered - began) / 1000).toFixed(2)} s`,
          perSec(r.perSecond),
          ms(r.p50),
          ms(r.p99),
          ms(written - answered),
        ],
      ]),
    );
    const verdict = (n: number) => (n === CALLS ? 'all' : `MISSING ${CALLS - n}`);
    console.log(`tool_execution entries: ${executions} of ${CALLS} (${verdict(executions)})`);
    console.log(`mcp_request tools/call entries: ${requests} of ${CALLS} (${verdict(requests)})`);
    console.log(`tool_execution_logs rows: ${rows} of ${CALLS} (${verdict(rows)})`);
    console.log(`enqueue, the part on the request path: ${enqueueUs.toFixed(2)} µs per entry (${N} entries)`);
    console.log(
      `stream: ${latencies.length} entries received, ${dropped} dropped for a slow client; latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms (target: within 1000 ms)`,
    );
  } finally {
    await fx.close();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
