import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { createFileDatabase } from '../../test/support/test-database';
import { schemaDrift } from './schema-drift';

describe('entities and migrations', () => {
  it('agree: the migrated schema is what the entities describe', async () => {
    const db = await createFileDatabase();
    try {
      const { up } = await schemaDrift(db.url);
      assert.deepEqual(
        up,
        [],
        `The entities differ from the migrations. Write a migration (npm run migration:generate prints its SQL):\n${up.join('\n')}`,
      );
    } finally {
      await db.drop();
    }
  });

  it('are told apart when they disagree (the check can fail)', async () => {
    const db = await createFileDatabase();
    try {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      await client.query('ALTER TABLE servers DROP COLUMN description');
      await client.end();
      const { up } = await schemaDrift(db.url);
      assert.ok(
        up.some((q) => /ALTER TABLE "servers" ADD "description"/.test(q)),
        up.join('\n'),
      );
    } finally {
      await db.drop();
    }
  });
});
