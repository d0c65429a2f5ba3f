import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityService } from '../../src/activity/activity.service';
import type { ActivityLog } from '../../src/activity/entities/activity-log.entity';
import type { Actor } from '../../src/common/actor';
import { validateInput } from '../../src/common/contract/validate-input';
import { UnitOfWork } from '../../src/common/unit-of-work/unit-of-work';
import { ServerChangesService, type ServerChange } from '../../src/server-changes/server-changes.service';
import { CreateServerDto, UpdateServerDto } from '../../src/servers/dto/server.dto';
import { ServersService } from '../../src/servers/servers.service';
import { CreateToolDto } from '../../src/tools/dto/tool.dto';
import { ToolsService } from '../../src/tools/tools.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const CODE = 'export async function main({ city }) {\n  return city;\n}\n';
const ADMIN: Actor = { kind: 'admin', name: 'admin' };

describe('unit of work: transaction, audit entry, announcement', () => {
  let t: TestApp;
  let token: string;
  let uow: UnitOfWork;
  let servers: ServersService;
  let tools: ToolsService;
  const changes: ServerChange[] = [];
  const entries: ActivityLog[] = [];
  const count = async (table: string, where: string, params: unknown[] = []) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n);
  const server = (name: string) => validateInput(CreateServerDto, { name });
  const tool = (name: string) => validateInput(CreateToolDto, { name, description: 'd', code: CODE });

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    uow = t.app.get(UnitOfWork);
    servers = t.app.get(ServersService);
    tools = t.app.get(ToolsService);
    t.app.get(ServerChangesService).subscribe((c) => void changes.push(c));
    t.app.get(ActivityService).subscribe((e) => void entries.push(e));
  });
  after(() => t.close());

  it('announces nothing of a rolled-back transaction: no server change, no activity notification, no row', async () => {
    const existing = await servers.create(ADMIN, server('kept'));
    changes.length = 0;
    entries.length = 0;
    await assert.rejects(
      uow.run(async () => {
        const made = await servers.create(ADMIN, server('phantom'));
        await tools.create(ADMIN, made.id, tool('ghost'));
        await servers.update(ADMIN, existing.id, validateInput(UpdateServerDto, { description: 'changed' }));
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.deepEqual(changes, [], 'no server-change event');
    assert.deepEqual(entries, [], 'no activity notification');
    assert.equal(await count('servers', 'name = $1', ['phantom']), 0);
    assert.equal(await count('activity_logs', "message LIKE '%phantom%' OR message LIKE '%ghost%'"), 0);
    assert.equal((await servers.findOrFail(existing.id)).description, null);
  });

  it('announces committed work only after the commit, when another connection can see it', async () => {
    // Listeners are awaited: one that ran before the commit would hold it up and, on the
    // test's own connection, could not see the new row.
    const visible: number[] = [];
    const off = t.app.get(ServerChangesService).subscribe(async (c) => {
      if (c.kind === 'tools') visible.push(await count('tools', 'id = $1', [c.toolId]));
    });
    try {
      changes.length = 0;
      entries.length = 0;
      const made = await uow.run(async () => {
        const s = await servers.create(ADMIN, server('announced'));
        const created = await tools.create(ADMIN, s.id, tool('loud'));
        assert.deepEqual(changes, [], 'nothing announced before the commit');
        assert.deepEqual(entries, []);
        return created;
      });
      assert.deepEqual(changes, [{ serverId: made.server_id, kind: 'tools', toolId: made.id }]);
      assert.deepEqual(
        entries.map((e) => e.message),
        ['Server announced created by admin', 'Tool announced.loud created by admin (draft)'],
      );
      assert.deepEqual(visible, [1], 'the listener saw a committed row');
    } finally {
      off();
    }
  });

  it('lets nested service calls join the caller transaction', async () => {
    const txid = async () => (await uow.manager.query('SELECT txid_current() AS id'))[0].id as string;
    await uow.run(async () => {
      const outer = await txid();
      const inner = await uow.run(() => txid());
      assert.equal(inner, outer, 'a nested run is the same transaction');
      // The tool is created on a server that exists only inside this transaction (not yet committed).
      const s = await servers.create(ADMIN, server('nested'));
      const created = await tools.create(ADMIN, s.id, tool('inner'));
      assert.equal(created.server_id, s.id);
      assert.equal(await txid(), outer);
      assert.equal(await count('servers', 'name = $1', ['nested']), 0, 'not visible outside before the commit');
    });
    assert.equal(await count('servers', 'name = $1', ['nested']), 1);
  });

  it('undoes a failed savepoint with what it would have announced, and commits the rest', async () => {
    changes.length = 0;
    await uow.run(async () => {
      await servers.create(ADMIN, server('survivor'));
      await assert.rejects(
        uow.savepoint(async () => {
          const s = await servers.create(ADMIN, server('dropped'));
          await tools.create(ADMIN, s.id, tool('dropped_tool'));
          throw new Error('item failed');
        }),
        /item failed/,
      );
    });
    assert.equal(await count('servers', 'name = $1', ['survivor']), 1);
    assert.equal(await count('servers', 'name = $1', ['dropped']), 0);
    assert.deepEqual(changes, [], 'the dropped tool was not announced');
  });

  it('records the request id of the API request in each activity entry it writes', async () => {
    const given = await t.post(
      '/api/servers',
      { name: 'traced' },
      { token, headers: { 'x-request-id': 'req-trace-42' } },
    );
    assert.equal(given.status, 201, given.text);
    const row = async (name: string) =>
      (await t.db.query(`SELECT request_id FROM activity_logs WHERE message = $1`, [`Server ${name} created by admin`]))
        .rows[0]?.request_id as string | undefined;
    assert.equal(await row('traced'), 'req-trace-42');
    const generated = await t.post('/api/servers', { name: 'traced_too' }, { token });
    assert.equal(generated.status, 201);
    const id = generated.headers.get('x-request-id');
    assert.ok(id);
    assert.equal(await row('traced_too'), id, 'the generated id, as in the response header');
    const direct = await servers.create(ADMIN, server('no_request'));
    assert.ok(direct.id);
    assert.equal(await row('no_request'), null, 'work outside a request has no request id');
  });
});
