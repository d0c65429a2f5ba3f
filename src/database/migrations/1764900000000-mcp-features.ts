import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tool code that speaks MCP: what each tool does with `mcp`, and what each call exchanged with its client. */
export class McpFeatures1764900000000 implements MigrationInterface {
  name = 'McpFeatures1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tools" ADD "mcp_features" jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE "tool_execution_logs" ADD "mcp" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tool_execution_logs" DROP COLUMN "mcp"`);
    await q.query(`ALTER TABLE "tools" DROP COLUMN "mcp_features"`);
  }
}
