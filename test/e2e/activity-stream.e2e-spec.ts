import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { ActivityService } from '../../src/activity/activity.service';
import { MAX_BACKLOG, ActivityStreamGateway } from '../../src/activity/stream/activity-stream.gateway';
import type { Actor } from '../../src/common/actor';
import { validateInput } from '../../src/common/contract/validate-input';
import { UnitOfWork } from '../../src/common/unit-of-work/unit-of-work';
import { CreateServerDto } from '../../src/servers/dto/server.dto';
import { ServersService } from '../../src/servers/servers.service';
import { ADMIN, setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS, sleep } from '../support/mcp';
import { openRawWebSocket } from '../support/raw-websocket';
import { approveTool, createServerVia, createToolVia } from './sandbox-fixtures';

const PATH = '/api/activity/stream';

interface Entry {
  id: string;
  created_at: string;
  log_type: string;
  level: string;
  message: string;
  server_id: string | null;
  request_id: string | null;
  duration_ms: number | null;
  details: Record<string, unknown> | null;
}

/** A socket.io client of the stream; resolves once connected, rejects with the refusal. */
function connect(t: TestApp, auth: Record<string, unknown>, opts: { origin?: string } = {}): Promise<Socket> {
  const socket = io(t.url, {
    path: PATH,
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: opts.origin ? { origin: opts.origin } : undefined,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      reject(err);
    });
  });
}

/** Collects the `activity` events of a socket; `until` waits for one matching a predicate. */
function collect(socket: Socket) {
  const got: { entry: Entry; at: number }[] = [];
  const waiters: { match: (e: Entry) => boolean; resolve: (e: { entry: Entry; at: number }) => void }[] = [];
  socket.on('activity', (entry: Entry) => {
    // Wall-clock arrival: the entry's created_at is the app's clock, which is this process's.
    const item = { entry, at: Date.now() };
    got.push(item);
    for (const w of [...waiters])
      if (w.match(entry)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(item);
      }
  });
  return {
    got,
    until(match: (e: Entry) => boolean, ms = 5000): Promise<{ entry: Entry; at: number }> {
      const seen = got.find((g) => match(g.entry));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching activity event within ${ms} ms`)), ms);
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

const refusal = async (p: Promise<Socket>) => {
  try {
    const s = await p;
    s.close();
  } catch (err) {
    return err as Error & { data?: { status: number; message: unknown } };
  }
  throw new Error('the stream accepted the handshake');
};

describe('the live activity stream', () => {
  let t: TestApp;
  let token: string;
  let refresh: string;
  let serverId: string;
  const sockets: Socket[] = [];

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    refresh = (await t.post('/auth/login', ADMIN)).body.refresh_token as string;
    serverId = await createServerVia(t, token, 'streamed');
    const tool = await createToolVia(t, token, serverId, {
      name: 'double',
      code: 'export async function main({ n }) { return { n: n * 2 } }',
    });
    await approveTool(t, token, tool.id);
    const started = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(started.status, 200, started.text);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  for (const era of ERAS) {
    it(`${era}: delivers the tool_execution and mcp_request entries of a call over /mcp within a second`, async () => {
      const socket = await connect(t, { token });
      sockets.push(socket);
      const events = collect(socket);
      const client = await connectMcp(`${t.url}/mcp`, era, { name: `stream-test-${era}` });
      try {
        const result = await client.callTool({ name: 'streamed__double', arguments: { n: 987654321 } });
        assert.deepEqual(result.structuredContent, { n: 1975308642 });
        const execution = await events.until((e) => e.log_type === 'tool_execution');
        const request = await events.until((e) => e.log_type === 'mcp_request' && e.details?.method === 'tools/call');
        for (const { entry, at } of [execution, request]) {
          const latency = at - Date.parse(entry.created_at);
          assert.ok(latency >= 0 && latency < 1000, `${entry.log_type} arrived ${latency} ms after it was made`);
        }
        assert.equal(execution.entry.server_id, serverId);
        assert.equal(execution.entry.level, 'info');
        assert.equal(execution.entry.details?.tool_name, 'double');
        assert.equal(execution.entry.details?.is_test, false);
        assert.ok(!JSON.stringify(execution.entry).includes('987654321'), 'no argument value in the entry');
        assert.ok(!JSON.stringify(request.entry).includes('987654321'), 'no argument value in the entry');
        assert.equal(request.entry.server_id, serverId);
        assert.deepEqual(
          {
            tool: request.entry.details?.tool,
            client: request.entry.details?.client,
            era: request.entry.details?.era,
            outcome: request.entry.details?.outcome,
            status: request.entry.details?.http_status,
          },
          { tool: 'streamed__double', client: `stream-test-${era}`, era, outcome: 'ok', status: 200 },
        );
        assert.equal(typeof request.entry.duration_ms, 'number');
        assert.ok(request.entry.request_id, 'the MCP request has its request id');
        assert.equal(execution.entry.request_id, request.entry.request_id, 'one request id for both entries');
        // Exactly one of each for the call, also in the database.
        const rows = await t.db.query(
          `SELECT log_type, count(*)::int AS n FROM activity_logs WHERE request_id = $1 GROUP BY log_type ORDER BY log_type`,
          [request.entry.request_id],
        );
        assert.deepEqual(rows.rows, [
          { log_type: 'mcp_request', n: 1 },
          { log_type: 'tool_execution', n: 1 },
        ]);
      } finally {
        await client.close();
        socket.close();
      }
    });
  }

  it('narrows by the handshake filters (server_id, log_type, level)', async () => {
    const other = await createServerVia(t, token, 'elsewhere');
    const narrow = await connect(t, { token, server_id: serverId, log_type: 'audit' });
    const all = await connect(t, { token });
    sockets.push(narrow, all);
    const n = collect(narrow);
    const a = collect(all);
    const renamed = await t.patch(`/api/servers/${other}`, { description: 'elsewhere' }, { token });
    assert.equal(renamed.status, 200);
    const mine = await t.patch(`/api/servers/${serverId}`, { description: 'here' }, { token });
    assert.equal(mine.status, 200);
    await a.until((e) => e.server_id === serverId && e.log_type === 'audit');
    await n.until((e) => e.server_id === serverId);
    assert.ok(
      a.got.some((g) => g.entry.server_id === other),
      'the unfiltered client hears the other server',
    );
    assert.ok(
      n.got.every((g) => g.entry.server_id === serverId && g.entry.log_type === 'audit'),
      JSON.stringify(n.got.map((g) => g.entry.message)),
    );
    narrow.close();
    all.close();
  });

  it('refuses a missing, bad or expired token, a refresh token and bad filters, with the reason', async () => {
    const none = await refusal(connect(t, {}));
    assert.equal(none.data?.status, 400, none.message);
    const bad = await refusal(connect(t, { token: `${token}x` }));
    assert.equal(bad.data?.status, 401);
    assert.match(bad.message, /Unauthorized/);
    const refreshed = await refusal(connect(t, { token: refresh }));
    assert.equal(refreshed.data?.status, 401, 'a refresh token is not an access token');
    const type = await refusal(connect(t, { token, log_type: 'everything' }));
    assert.equal(type.data?.status, 400);
    assert.match(JSON.stringify(type.data?.message), /log_type/);
    const level = await refusal(connect(t, { token, level: 'loud' }));
    assert.equal(level.data?.status, 400);
    const server = await refusal(connect(t, { token, server_id: "1' OR '1'='1" }));
    assert.equal(server.data?.status, 400);
    const extra = await refusal(connect(t, { token, password: 'x' }));
    assert.equal(extra.data?.status, 400, 'unknown fields are refused');
    const number = await refusal(connect(t, { token: 42 }));
    assert.equal(number.data?.status, 400);
  });

  it('refuses a browser page of a foreign origin, and accepts one of its own origin', async () => {
    await assert.rejects(connect(t, { token }, { origin: 'https://evil.example' }));
    const own = await connect(t, { token }, { origin: t.url });
    own.close();
  });

  it('drops a connected client when the password changes (every older token dies)', async () => {
    const login = await t.post('/auth/login', ADMIN);
    const mine = login.body.access_token as string;
    const socket = await connect(t, { token: mine });
    sockets.push(socket);
    const notice = new Promise<{ reason: string }>((resolve) => socket.once('stream_closed', resolve));
    const changed = await t.post(
      '/auth/change-password',
      { current_password: ADMIN.password, new_password: 'a brand new passphrase' },
      { token: mine },
    );
    assert.equal(changed.status, 200, changed.text);
    assert.equal((await notice).reason, 'token_revoked');
    // Back to the fixture's password, with the fresh pair, for the tests that follow.
    const back = await t.post(
      '/auth/change-password',
      { current_password: 'a brand new passphrase', new_password: ADMIN.password },
      { token: changed.body.access_token },
    );
    assert.equal(back.status, 200, back.text);
    token = back.body.access_token;
    refresh = back.body.refresh_token;
  });

  it('drops a connected client when its login is logged out, with a notice', async () => {
    const login = await t.post('/auth/login', ADMIN);
    const mine = login.body.access_token as string;
    const socket = await connect(t, { token: mine });
    sockets.push(socket);
    const notice = new Promise<{ reason: string }>((resolve) => socket.once('stream_closed', resolve));
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const out = await t.post('/auth/logout', undefined, { token: mine });
    assert.equal(out.status, 204);
    const started = performance.now();
    assert.equal((await notice).reason, 'token_revoked');
    await gone;
    assert.ok(performance.now() - started < 2000, 'dropped at once, not at the periodic check');
    await refusal(connect(t, { token: mine }));
  });

  it('drops a client when its access token expires, and refuses an expired one', async () => {
    // A token of this login that lives two seconds, signed as the app signs every token.
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    const jwt = t.app.get(JwtService);
    const { iat: _iat, exp: _exp, ...rest } = claims;
    const short = await jwt.signAsync({ ...rest, jti: randomUUID() }, { expiresIn: 2, algorithm: 'HS256' });
    const socket = await connect(t, { token: short });
    sockets.push(socket);
    const notice = new Promise<{ reason: string }>((resolve) => socket.once('stream_closed', resolve));
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    assert.equal((await notice).reason, 'token_expired');
    await gone;
    const late = await refusal(connect(t, { token: short }));
    assert.equal(late.data?.status, 401);
  });

  it('announces nothing of a rolled-back change, and the committed one after its commit', async () => {
    const socket = await connect(t, { token });
    sockets.push(socket);
    const events = collect(socket);
    const uow = t.app.get(UnitOfWork);
    const servers = t.app.get(ServersService);
    const admin: Actor = { kind: 'admin', name: 'admin' };
    await assert.rejects(
      uow.run(async () => {
        await servers.create(admin, validateInput(CreateServerDto, { name: 'phantom_stream' }));
        throw new Error('abort');
      }),
      /abort/,
    );
    await servers.create(admin, validateInput(CreateServerDto, { name: 'real_stream' }));
    await events.until((e) => e.message.includes('real_stream'));
    await sleep(200);
    assert.ok(
      !events.got.some((g) => g.entry.message.includes('phantom_stream')),
      'the rolled-back entry never arrives',
    );
    socket.close();
  });

  it('does not buffer without bound for a client that does not read: drops with a notice', async () => {
    const ws = await openRawWebSocket(`${t.url}${PATH}/?EIO=4&transport=websocket`);
    await waitFor(() => ws.received().includes('0{"sid"'));
    const gateway = t.app.get(ActivityStreamGateway);
    const before = gateway.connected;
    ws.sendText(`40${JSON.stringify({ token })}`);
    await waitFor(() => gateway.connected === before + 1);
    ws.socket.pause();
    const activity = t.app.get(ActivityService);
    const big = 'x'.repeat(8 * 1024);
    const FLOOD = 4000;
    let largest = 0;
    for (let i = 0; i < FLOOD; i++) {
      activity.enqueue({ logType: 'system', level: 'debug', message: `flood ${i} ${big}` });
      if (i % 250 === 249) {
        await activity.drain();
        largest = Math.max(largest, gateway.largestBacklog);
      }
    }
    await activity.drain();
    largest = Math.max(largest, gateway.largestBacklog);
    assert.ok(largest <= MAX_BACKLOG + 1, `backlog ${largest} stays within ${MAX_BACKLOG}`);
    assert.ok(largest >= MAX_BACKLOG / 2, `the client really fell behind (backlog ${largest})`);
    ws.socket.resume();
    await waitFor(() => /42\["activity_dropped",\{"dropped":\d+/.test(ws.received()), 15_000);
    const dropped = Number(/42\["activity_dropped",\{"dropped":(\d+)/.exec(ws.received())?.[1]);
    assert.ok(dropped > 0);
    await waitFor(() => count(ws.received(), 'flood ') + dropped >= FLOOD, 15_000);
    assert.equal(count(ws.received(), 'flood '), FLOOD - dropped, 'every entry was either sent or counted as dropped');
    ws.close();
  });
});

// Its own app (passport's strategies are per process: one app with auth at a time).
describe('the live activity stream under CORS_ORIGINS', () => {
  it('applies CORS_ORIGINS as the REST API does: a listed origin may connect, over polling too', async () => {
    const allowed = 'https://admin.example.test';
    const cors = await startApp({ CORS_ORIGINS: allowed });
    try {
      const tk = await setupAdmin(cors);
      const ws = await connect(cors, { token: tk }, { origin: allowed });
      ws.close();
      await assert.rejects(connect(cors, { token: tk }, { origin: 'https://other.example.test' }));
      // The polling transport's handshake carries the CORS headers of the listed origin only.
      const poll = await fetch(`${cors.url}${PATH}/?EIO=4&transport=polling`, { headers: { origin: allowed } });
      assert.equal(poll.status, 200);
      assert.equal(poll.headers.get('access-control-allow-origin'), allowed);
      const foreign = await fetch(`${cors.url}${PATH}/?EIO=4&transport=polling`, {
        headers: { origin: 'https://other.example.test' },
      });
      assert.equal(foreign.status, 403);
    } finally {
      await cors.close();
    }
  });
});

const count = (text: string, needle: string) => text.split(needle).length - 1;

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(10);
  }
}
