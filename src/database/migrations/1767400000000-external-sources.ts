import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * External sources (docs/architecture.md#external-sources): a source's last failure and its encrypted OAuth state; a
 * passthrough tool's pinned source definition, the diff of a change the source made, and
 * a note when its source went away.
 */
export class ExternalSources1767400000000 implements MigrationInterface {
  name = 'ExternalSources1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "external_mcp_sources" ADD "status_message" text`);
    await q.query(`ALTER TABLE "external_mcp_sources" ADD "oauth_state" text`);
    await q.query(`ALTER TABLE "tools" ADD "source_definition" jsonb`);
    await q.query(`ALTER TABLE "tools" ADD "definition_diff" jsonb`);
    await q.query(`ALTER TABLE "tools" ADD "source_note" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tools" DROP COLUMN "source_note"`);
    await q.query(`ALTER TABLE "tools" DROP COLUMN "definition_diff"`);
    await q.query(`ALTER TABLE "tools" DROP COLUMN "source_definition"`);
    await q.query(`ALTER TABLE "external_mcp_sources" DROP COLUMN "oauth_state"`);
    await q.query(`ALTER TABLE "external_mcp_sources" DROP COLUMN "status_message"`);
  }
}
