import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BODY_LIMIT_BYTES } from '../../src/common/limits';
import { setupAdmin, startApp, type TestApp } from '../support/app';

/** A tool near the 100 KB code limit: a dozen of them make an export larger than 1 MiB. */
const bigCode = (i: number) =>
  `export function main() {\n  return ${JSON.stringify(`${i}`.padEnd(95 * 1024, 'x'))};\n}\n`;

describe('export/import round trip of a realistic server', () => {
  let t: TestApp;
  let token: string;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
  });
  after(() => t.close());

  it('imports what it exported even when the document is larger than the 1 MiB body limit of other routes', async () => {
    const server = (await t.post('/api/servers', { name: 'big' }, { token })).body;
    for (let i = 0; i < 12; i++) {
      const res = await t.post(
        `/api/servers/${server.id}/tools`,
        { name: `tool_${i}`, description: 'd', code: bigCode(i) },
        { token },
      );
      assert.equal(res.status, 201, res.text.slice(0, 200));
    }
    const exported = await t.get(`/api/export/servers/${server.id}`, { token });
    assert.equal(exported.status, 200);
    assert.ok(
      Buffer.byteLength(exported.text) > BODY_LIMIT_BYTES,
      `export is ${Buffer.byteLength(exported.text)} bytes`,
    );
    assert.equal((await t.delete(`/api/servers/${server.id}`, { token })).status, 204);

    const imported = await t.post('/api/export/import', undefined, { token, raw: exported.text });
    assert.equal(imported.status, 200, imported.text.slice(0, 300));
    assert.equal(imported.body.signature_verified, true);
    assert.equal(imported.body.created.tools, 12);

    // Other routes keep the 1 MiB limit.
    const big = await t.post('/api/servers', { name: 'x', description: 'x'.repeat(BODY_LIMIT_BYTES) }, { token });
    assert.equal(big.status, 413);
  });
});
