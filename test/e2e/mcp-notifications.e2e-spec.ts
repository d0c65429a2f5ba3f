import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS, sleep, watchListChanged, type Era } from '../support/mcp';
import { approveTool, createServerVia, createToolVia } from './sandbox-fixtures';

let t: TestApp;
let token: string;

before(async () => {
  t = await startApp();
  await t.post('/auth/setup', ADMIN);
  token = (await t.post('/auth/login', ADMIN)).body.access_token;
  await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
});
after(async () => t.close());

const CODE = 'export async function main() { return "v1" }';

async function client(path: string, era: Era): Promise<Client> {
  const c = await connectMcp(`${t.url}${path}`, era);
  if (era === 'modern') await c.listen({ toolsListChanged: true });
  return c;
}

async function names(c: Client): Promise<string[]> {
  return (await c.listTools()).tools.map((x) => x.name);
}

for (const era of ERAS) {
  describe(`${era}: every change of the visible tool set is announced`, () => {
    it('approve+start, edit that unloads, rollback, revoke, disable, enable, stop, start, delete tool, delete server', async () => {
      const srv = `n_${era}`;
      const serverId = await createServerVia(t, token, srv);
      const tool = await createToolVia(t, token, serverId, { name: 'one', code: CODE });
      await approveTool(t, token, tool.id);
      const all = await client('/mcp', era);
      const scoped = await client(`/mcp/${srv}`, era);
      const onAll = watchListChanged(all);
      const onScoped = watchListChanged(scoped);

      const step = async (what: string, act: () => Promise<unknown>, visible: string[]) => {
        const heard = Promise.all([onAll.next(), onScoped.next()]);
        await act();
        await heard.catch((err: Error) => assert.fail(`${what}: ${err.message}`));
        assert.deepEqual(
          (await names(all)).filter((n) => n.startsWith(`${srv}__`)),
          visible.map((n) => `${srv}__${n}`),
          what,
        );
        assert.deepEqual(await names(scoped), visible, what);
      };
      const api = (method: 'post' | 'patch' | 'delete', path: string, body?: unknown) => async () => {
        const res = method === 'delete' ? await t.delete(path, { token }) : await t[method](path, body, { token });
        assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
      };

      await step('start', api('post', `/api/sandbox/servers/${serverId}/start`), ['one']);
      await step(
        'edit of code (back to review, unloaded)',
        api('patch', `/api/tools/${tool.id}`, { code: 'export async function main() { return "v2" }' }),
        [],
      );
      await step('approval of version 2', () => approveTool(t, token, tool.id), ['one']);
      await step(
        'rollback to version 1 (back to review)',
        api('post', `/api/tools/${tool.id}/versions/1/rollback`),
        [],
      );
      await step('approval of the rollback', () => approveTool(t, token, tool.id), ['one']);
      await step('revoke', api('post', `/api/approvals/tools/${tool.id}/revoke`, {}), []);
      await step('approval again', () => approveTool(t, token, tool.id), ['one']);
      await step('disable', api('patch', `/api/tools/${tool.id}`, { enabled: false }), []);
      await step('enable', api('patch', `/api/tools/${tool.id}`, { enabled: true }), ['one']);
      await step(
        'description edit of a served tool',
        api('patch', `/api/tools/${tool.id}`, { description: 'new words' }),
        ['one'],
      );
      await step('stop', api('post', `/api/sandbox/servers/${serverId}/stop`), []);
      await step('start', api('post', `/api/sandbox/servers/${serverId}/start`), ['one']);
      const two = await createToolVia(t, token, serverId, { name: 'two', code: CODE });
      await step('a second tool approved', () => approveTool(t, token, two.id), ['one', 'two']);
      await step('delete of a tool', api('delete', `/api/tools/${two.id}`), ['one']);
      const heard = onAll.next();
      await api('delete', `/api/servers/${serverId}`)();
      await heard;
      assert.deepEqual(
        (await names(all)).filter((n) => n.startsWith(`${srv}__`)),
        [],
      );
      await all.close();
      await scoped.close();
    });
  });

  describe(`${era}: only clients whose list changed hear it, once per burst`, () => {
    it('a change on one server is not announced to the endpoint of another; no-op changes are silent', async () => {
      const a = await createServerVia(t, token, `a_${era}`);
      const b = await createServerVia(t, token, `b_${era}`);
      await t.post(`/api/sandbox/servers/${a}/start`, undefined, { token });
      await t.post(`/api/sandbox/servers/${b}/start`, undefined, { token });
      const onA = await client(`/mcp/a_${era}`, era);
      const onB = await client(`/mcp/b_${era}`, era);
      const heardA = watchListChanged(onA);
      const heardB = watchListChanged(onB);
      const tool = await createToolVia(t, token, a, { name: 'x', code: CODE });
      await sleep(300);
      assert.equal(heardA.count(), 0, 'a draft tool is not visible: nothing to announce');
      const next = heardA.next();
      await approveTool(t, token, tool.id);
      await next;
      await t.put(`/api/servers/${a}/secrets/K`, { value: 'v' }, { token }).catch(() => undefined);
      await t.patch(`/api/servers/${b}`, { description: 'changed' }, { token });
      await sleep(400);
      assert.equal(heardA.count(), 1);
      assert.equal(heardB.count(), 0, 'server b did not change its visible list');
      await onA.close();
      await onB.close();
    });

    it('a burst of approvals is announced once or twice, not once per change', async () => {
      const s = await createServerVia(t, token, `burst_${era}`);
      await t.post(`/api/sandbox/servers/${s}/start`, undefined, { token });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await createToolVia(t, token, s, { name: `t${i}`, code: CODE })).id);
      for (const id of ids) {
        const res = await t.post(`/api/approvals/tools/${id}/action`, { action: 'submit_for_review' }, { token });
        assert.equal(res.status, 200);
      }
      const c = await client(`/mcp/burst_${era}`, era);
      const heard = watchListChanged(c);
      await Promise.all(ids.map((id) => t.post(`/api/approvals/tools/${id}/action`, { action: 'approve' }, { token })));
      await sleep(800);
      assert.ok(heard.count() >= 1 && heard.count() <= 3, `heard ${heard.count()} notifications for 8 approvals`);
      assert.equal((await names(c)).length, 8);
      await c.close();
    });
  });
}
