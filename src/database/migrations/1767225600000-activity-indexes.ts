import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 19: the activity log's filters on indexed columns. `level` gets its time-ordered
 * index like `log_type` and `server_id`; `search` (a case-insensitive substring) gets a
 * pg_trgm GIN index on `message`, which serves `ILIKE '%…%'`; the retention job and the
 * dashboard read `tool_execution_logs` by time.
 *
 * pg_trgm ships with PostgreSQL (contrib; the embedded PostgreSQL has it) and is a trusted
 * extension since PostgreSQL 13, so a database owner may create it. Where it cannot be
 * created the search still works, only without the index: the migration does not fail.
 */
export class ActivityIndexes1767225600000 implements MigrationInterface {
  name = 'ActivityIndexes1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_83e74524db3919cad046a8777c" ON "activity_logs" ("level", "created_at")`);
    await q.query(`CREATE INDEX "IDX_979478ced0d0156124f109143b" ON "tool_execution_logs" ("created_at")`);
    await q.query('SAVEPOINT pg_trgm');
    try {
      await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await q.query(
        `CREATE INDEX IF NOT EXISTS "IDX_activity_logs_message_trgm" ON "activity_logs" USING gin ("message" gin_trgm_ops)`,
      );
      await q.query('RELEASE SAVEPOINT pg_trgm');
    } catch {
      await q.query('ROLLBACK TO SAVEPOINT pg_trgm');
      await q.query('RELEASE SAVEPOINT pg_trgm');
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS "public"."IDX_activity_logs_message_trgm"`);
    await q.query(`DROP INDEX "public"."IDX_979478ced0d0156124f109143b"`);
    await q.query(`DROP INDEX "public"."IDX_83e74524db3919cad046a8777c"`);
  }
}
