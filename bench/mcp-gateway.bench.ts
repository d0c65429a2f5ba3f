/**
 * `npm run bench`: `tools/call` of a trivial tool through MCPBox's `/mcp` (HTTP, the
 * gateway, the sandbox worker, the execution log) against a bare SDK server written as
 * the SDK's docs write one (`McpServer` + `createMcpHandler`, the same function
 * in-process: no sandbox, no database), measured in the same run, with SDK clients in
 * both protocol eras and 1 and 16 concurrent clients (each its own client and session).
 *
 * Target (issue 15): at 16 clients at least half the bare server's throughput, and p50
 * within 2 ms of it; every MCPBox call's execution log row written.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';
import { validateInput } from '../src/common/contract/validate-input';
import { UpdateSecurityPolicyDto } from '../src/settings/dto/security-policy.dto';
import { SettingsService } from '../src/settings/settings.service';
import { startServiceFixture } from './service-fixture';
import { emptySample, ms, perSec, ratio, sample, summarise, table, type Result } from './support';

const TOOL = 'export async function main({ n }) { return { n, next: n + 1 }; }';
const ERAS = ['2026-07-28', '2025-11-25'] as const;
type Era = (typeof ERAS)[number];
const CLIENTS = [1, 16];
const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const WARMUP = 300;
const ROUNDS = 3;

/** The SDK's documented shape: a factory building an McpServer per request, served by createMcpHandler. */
async function startBareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool(
      'bench',
      { description: 'A trivial tool', inputSchema: z.object({ n: z.number() }) },
      async ({ n }) => {
        const value = { n, next: n + 1 };
        return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
      },
    );
    return server;
  });
  const node = toNodeHandler(handler);
  const http: HttpServer = createServer((req, res) => void node(req, res));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, close: () => new Promise((r) => http.close(() => r())) };
}

async function connect(url: string, era: Era): Promise<Client> {
  const client = new Client(
    { name: 'bench', version: '1.0.0' },
    era === '2026-07-28' ? { versionNegotiation: { mode: { pin: era } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function measure(
  url: string,
  tool: string,
  era: Era,
  clients: number,
): Promise<{ result: Result; calls: number }> {
  const pool = await Promise.all(Array.from({ length: clients }, () => connect(url, era)));
  const call = (i: number) =>
    pool[i % clients].callTool({ name: tool, arguments: { n: i } }).then((r) => {
      if (r.isError) throw new Error(`the call failed: ${JSON.stringify(r.content)}`);
    });
  const warm = emptySample();
  await sample(clients, WARMUP, call, warm);
  const s = emptySample();
  for (let round = 0; round < ROUNDS; round++) await sample(clients, CALLS, call, s);
  await Promise.all(pool.map((c) => c.close()));
  return { result: summarise(s), calls: WARMUP + ROUNDS * CALLS };
}

async function main(): Promise<void> {
  const fx = await startServiceFixture({ toolName: 'bench', code: TOOL, workers: 2, maxConcurrency: 16, listen: true });
  const bare = await startBareServer();
  try {
    const settings = fx.app.get(SettingsService);
    await settings.updatePolicy(
      { kind: 'admin', name: 'bench' },
      validateInput(UpdateSecurityPolicyDto, { mcp_rate_limit_rpm: 100_000 }),
    );
    const rows: string[][] = [
      [
        'era',
        'clients',
        'bare p50',
        'mcpbox p50',
        'Δ p50',
        'bare p99',
        'mcpbox p99',
        'bare calls/s',
        'mcpbox calls/s',
        'throughput ratio',
      ],
    ];
    let mcpboxCalls = 0;
    const verdicts: string[] = [];
    for (const era of ERAS) {
      for (const clients of CLIENTS) {
        const b = await measure(bare.url, 'bench', era, clients);
        const m = await measure(`${fx.url}/mcp/bench`, fx.toolName, era, clients);
        mcpboxCalls += m.calls;
        const r = m.result.perSecond / b.result.perSecond;
        const delta = m.result.p50 - b.result.p50;
        rows.push([
          era,
          String(clients),
          ms(b.result.p50),
          ms(m.result.p50),
          ms(delta),
          ms(b.result.p99),
          ms(m.result.p99),
          perSec(b.result.perSecond),
          perSec(m.result.perSecond),
          ratio(r),
        ]);
        if (clients === 16)
          verdicts.push(
            `${era}, 16 clients: throughput ${ratio(r)} of bare (target ≥ 0.50x) ${r >= 0.5 ? 'met' : 'NOT met'}; p50 +${ms(delta)} (target ≤ 2 ms) ${delta <= 2 ? 'met' : 'NOT met'}`,
          );
      }
    }
    console.log(
      `database: ${fx.database}; sandbox workers: 2; ${ROUNDS} × ${CALLS} calls per row after ${WARMUP} warm-up calls`,
    );
    console.log(table(rows));
    for (const v of verdicts) console.log(v);
    const logged = await fx.loggedRows();
    console.log(
      `execution log rows: ${logged} of ${mcpboxCalls} calls through /mcp ${logged === mcpboxCalls ? '(all written)' : '(MISSING ROWS)'}`,
    );
  } finally {
    await bare.close();
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
