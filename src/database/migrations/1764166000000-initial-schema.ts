import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The whole schema of docs/architecture.md#data-model. */
export class InitialSchema1764166000000 implements MigrationInterface {
  name = 'InitialSchema1764166000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "servers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "name" character varying(64) NOT NULL, "description" text, "status" character varying(16) NOT NULL DEFAULT 'ready', "allowed_hosts" jsonb NOT NULL DEFAULT '[]'::jsonb, "default_timeout_ms" integer NOT NULL DEFAULT '30000', CONSTRAINT "UQ_555671bf0b4b7ec59c9985532e1" UNIQUE ("name"), CONSTRAINT "PK_c0947efd9f3db2dcc010164d20b" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "activity_logs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "server_id" uuid, "log_type" character varying(16) NOT NULL, "level" character varying(8) NOT NULL DEFAULT 'info', "message" text NOT NULL, "details" jsonb, "request_id" character varying(64), "duration_ms" integer, CONSTRAINT "PK_f25287b6140c5ba18d38776a796" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_6152d534ff228b9207bb1bac3d" ON "activity_logs" ("server_id", "created_at")`);
    await q.query(`CREATE INDEX "IDX_5aa5a88e6e0a3b390810f8dbc4" ON "activity_logs" ("log_type", "created_at")`);
    await q.query(`CREATE INDEX "IDX_1fa31efc2a0bc0b517b9f7225d" ON "activity_logs" ("created_at")`);
    await q.query(
      `CREATE TABLE "external_mcp_sources" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "server_id" uuid NOT NULL, "name" character varying(64) NOT NULL, "url" text NOT NULL, "auth_type" character varying(16) NOT NULL DEFAULT 'none', "auth_secret_name" character varying(128), "auth_header_name" character varying(128), "transport_type" character varying(16) NOT NULL DEFAULT 'streamable_http', "status" character varying(16) NOT NULL DEFAULT 'active', "last_discovered_at" TIMESTAMP WITH TIME ZONE, "tool_count" integer NOT NULL DEFAULT '0', "discovered_tools_cache" jsonb, CONSTRAINT "PK_cff3f24077c44be3c9e2096431e" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "IDX_1aa0f1f726aede620a328ade81" ON "external_mcp_sources" ("server_id", "name")`,
    );
    await q.query(
      `CREATE TABLE "tools" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "server_id" uuid NOT NULL, "name" character varying(64) NOT NULL, "description" text NOT NULL DEFAULT '', "input_schema" jsonb, "enabled" boolean NOT NULL DEFAULT true, "timeout_ms" integer, "tool_type" character varying(16) NOT NULL DEFAULT 'code', "language" character varying(16) NOT NULL DEFAULT 'javascript', "code" text, "external_source_id" uuid, "external_tool_name" character varying(256), "current_version" integer NOT NULL DEFAULT '1', "approval_status" character varying(16) NOT NULL DEFAULT 'draft', "approval_requested_at" TIMESTAMP WITH TIME ZONE, "approved_at" TIMESTAMP WITH TIME ZONE, "approved_by" character varying(128), "rejection_reason" text, "publish_notes" text, "created_by" character varying(128), CONSTRAINT "PK_e23d56734caad471277bad8bf85" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_b7225953b13da6e114c5878dc2" ON "tools" ("external_source_id")`);
    await q.query(`CREATE INDEX "IDX_44fc71824748598b1f47e794cf" ON "tools" ("approval_status")`);
    await q.query(`CREATE UNIQUE INDEX "IDX_98b7570bd1649b63088b9606f0" ON "tools" ("server_id", "name")`);
    await q.query(
      `CREATE TABLE "module_requests" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "tool_id" uuid, "server_id" uuid, "module_name" character varying(214) NOT NULL, "justification" text, "requested_by" character varying(128), "status" character varying(16) NOT NULL DEFAULT 'pending', "reviewed_at" TIMESTAMP WITH TIME ZONE, "reviewed_by" character varying(128), "rejection_reason" text, "source" character varying(8) NOT NULL DEFAULT 'llm', CONSTRAINT "PK_aaab8347873c0e97156d23672f1" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_a11ee43029441e415c35d7455e" ON "module_requests" ("tool_id")`);
    await q.query(`CREATE INDEX "IDX_50b19a393e23bd3c8861fe7c28" ON "module_requests" ("status")`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_module_requests_pending" ON "module_requests" ("tool_id", "module_name") WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE TABLE "network_access_requests" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "tool_id" uuid, "server_id" uuid NOT NULL, "host" character varying(253) NOT NULL, "port" integer, "justification" text, "requested_by" character varying(128), "status" character varying(16) NOT NULL DEFAULT 'pending', "reviewed_at" TIMESTAMP WITH TIME ZONE, "reviewed_by" character varying(128), "rejection_reason" text, "source" character varying(8) NOT NULL DEFAULT 'llm', CONSTRAINT "PK_496d33ef6dfca5e8cca3504b77e" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_c07ee38254ed55f834e7795e3e" ON "network_access_requests" ("tool_id")`);
    await q.query(`CREATE INDEX "IDX_4d3af3fa4881e15253b79ee006" ON "network_access_requests" ("server_id")`);
    await q.query(`CREATE INDEX "IDX_65cd275bd980e1f6ef07247c55" ON "network_access_requests" ("status")`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_network_requests_pending" ON "network_access_requests" ("tool_id", "host", "port") WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE TABLE "admin_users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "username" character varying(64) NOT NULL, "password_hash" text NOT NULL, "is_active" boolean NOT NULL DEFAULT true, "password_version" integer NOT NULL DEFAULT '1', "last_login_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_2873882c38e8c07d98cb64f962d" UNIQUE ("username"), CONSTRAINT "PK_06744d221bb6145dc61e5dc441d" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "revoked_tokens" ("jti" character varying(80) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b18aa48269f87cafba8c6310624" PRIMARY KEY ("jti"))`,
    );
    await q.query(`CREATE INDEX "IDX_5aee0c1828e7b9238ca3fe47bc" ON "revoked_tokens" ("expires_at")`);
    await q.query(
      `CREATE TABLE "tool_execution_logs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "tool_id" uuid, "server_id" uuid NOT NULL, "tool_name" character varying(64) NOT NULL, "input_args" jsonb, "result" text, "error" text, "stdout" text, "duration_ms" integer NOT NULL, "success" boolean NOT NULL, "is_test" boolean NOT NULL DEFAULT false, "executed_by" character varying(128), CONSTRAINT "PK_9d302efbe4c87e59a43264990fb" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_3b52d28fbc6ba6ebaa9ee30759" ON "tool_execution_logs" ("server_id", "created_at")`);
    await q.query(`CREATE INDEX "IDX_237f0a5e032016a8a7e9c70e22" ON "tool_execution_logs" ("tool_id", "created_at")`);
    await q.query(
      `CREATE TABLE "server_secrets" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "server_id" uuid NOT NULL, "key_name" character varying(128) NOT NULL, "encrypted_value" text, "description" text, CONSTRAINT "PK_d80d22b82c2be3b70050f0a822d" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "IDX_925cc06324fe94033ed0118f8e" ON "server_secrets" ("server_id", "key_name")`);
    await q.query(
      `CREATE TABLE "global_config" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "allowed_modules" jsonb NOT NULL DEFAULT '[]'::jsonb, CONSTRAINT "PK_ed2d5f0660208015a2aed745f3a" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "settings" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "key" character varying(128) NOT NULL, "value" text NOT NULL, "encrypted" boolean NOT NULL DEFAULT false, "description" text, CONSTRAINT "UQ_c8639b7626fa94ba8265628f214" UNIQUE ("key"), CONSTRAINT "PK_0669fe20e252eb692bf4d344975" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "tool_versions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "tool_id" uuid NOT NULL, "version_number" integer NOT NULL, "name" character varying(64) NOT NULL, "description" text NOT NULL DEFAULT '', "enabled" boolean NOT NULL, "timeout_ms" integer, "code" text, "input_schema" jsonb, "change_summary" text, "change_source" character varying(16) NOT NULL DEFAULT 'manual', CONSTRAINT "PK_b574acc95149ae7b32abf5a05e9" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "IDX_773cebd542c17ffe70407c9d3b" ON "tool_versions" ("tool_id", "version_number")`,
    );
    await q.query(
      `ALTER TABLE "activity_logs" ADD CONSTRAINT "FK_900f3419dd7ed32684582ac84a4" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "external_mcp_sources" ADD CONSTRAINT "FK_e800f3fc427ae48cc0d772218ea" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tools" ADD CONSTRAINT "FK_6b378c672ccef3333211b79728d" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tools" ADD CONSTRAINT "FK_b7225953b13da6e114c5878dc25" FOREIGN KEY ("external_source_id") REFERENCES "external_mcp_sources"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "module_requests" ADD CONSTRAINT "FK_a11ee43029441e415c35d7455e6" FOREIGN KEY ("tool_id") REFERENCES "tools"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "module_requests" ADD CONSTRAINT "FK_ada12fb2dc6df295c03294242cb" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "network_access_requests" ADD CONSTRAINT "FK_c07ee38254ed55f834e7795e3e6" FOREIGN KEY ("tool_id") REFERENCES "tools"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "network_access_requests" ADD CONSTRAINT "FK_4d3af3fa4881e15253b79ee006c" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tool_execution_logs" ADD CONSTRAINT "FK_1663462e6770b93f2ac2b52fb5b" FOREIGN KEY ("tool_id") REFERENCES "tools"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tool_execution_logs" ADD CONSTRAINT "FK_d85f8bd2afdbed17b2695d46b9b" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "server_secrets" ADD CONSTRAINT "FK_5f95539b444bad32588df67b3d9" FOREIGN KEY ("server_id") REFERENCES "servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tool_versions" ADD CONSTRAINT "FK_9697d0048315655a51227fcf254" FOREIGN KEY ("tool_id") REFERENCES "tools"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tool_versions" DROP CONSTRAINT "FK_9697d0048315655a51227fcf254"`);
    await q.query(`ALTER TABLE "server_secrets" DROP CONSTRAINT "FK_5f95539b444bad32588df67b3d9"`);
    await q.query(`ALTER TABLE "tool_execution_logs" DROP CONSTRAINT "FK_d85f8bd2afdbed17b2695d46b9b"`);
    await q.query(`ALTER TABLE "tool_execution_logs" DROP CONSTRAINT "FK_1663462e6770b93f2ac2b52fb5b"`);
    await q.query(`ALTER TABLE "network_access_requests" DROP CONSTRAINT "FK_4d3af3fa4881e15253b79ee006c"`);
    await q.query(`ALTER TABLE "network_access_requests" DROP CONSTRAINT "FK_c07ee38254ed55f834e7795e3e6"`);
    await q.query(`ALTER TABLE "module_requests" DROP CONSTRAINT "FK_ada12fb2dc6df295c03294242cb"`);
    await q.query(`ALTER TABLE "module_requests" DROP CONSTRAINT "FK_a11ee43029441e415c35d7455e6"`);
    await q.query(`ALTER TABLE "tools" DROP CONSTRAINT "FK_b7225953b13da6e114c5878dc25"`);
    await q.query(`ALTER TABLE "tools" DROP CONSTRAINT "FK_6b378c672ccef3333211b79728d"`);
    await q.query(`ALTER TABLE "external_mcp_sources" DROP CONSTRAINT "FK_e800f3fc427ae48cc0d772218ea"`);
    await q.query(`ALTER TABLE "activity_logs" DROP CONSTRAINT "FK_900f3419dd7ed32684582ac84a4"`);
    await q.query(`DROP INDEX "public"."IDX_773cebd542c17ffe70407c9d3b"`);
    await q.query(`DROP TABLE "tool_versions"`);
    await q.query(`DROP TABLE "settings"`);
    await q.query(`DROP TABLE "global_config"`);
    await q.query(`DROP INDEX "public"."IDX_925cc06324fe94033ed0118f8e"`);
    await q.query(`DROP TABLE "server_secrets"`);
    await q.query(`DROP INDEX "public"."IDX_237f0a5e032016a8a7e9c70e22"`);
    await q.query(`DROP INDEX "public"."IDX_3b52d28fbc6ba6ebaa9ee30759"`);
    await q.query(`DROP TABLE "tool_execution_logs"`);
    await q.query(`DROP INDEX "public"."IDX_5aee0c1828e7b9238ca3fe47bc"`);
    await q.query(`DROP TABLE "revoked_tokens"`);
    await q.query(`DROP TABLE "admin_users"`);
    await q.query(`DROP INDEX "public"."uq_network_requests_pending"`);
    await q.query(`DROP INDEX "public"."IDX_65cd275bd980e1f6ef07247c55"`);
    await q.query(`DROP INDEX "public"."IDX_4d3af3fa4881e15253b79ee006"`);
    await q.query(`DROP INDEX "public"."IDX_c07ee38254ed55f834e7795e3e"`);
    await q.query(`DROP TABLE "network_access_requests"`);
    await q.query(`DROP INDEX "public"."uq_module_requests_pending"`);
    await q.query(`DROP INDEX "public"."IDX_50b19a393e23bd3c8861fe7c28"`);
    await q.query(`DROP INDEX "public"."IDX_a11ee43029441e415c35d7455e"`);
    await q.query(`DROP TABLE "module_requests"`);
    await q.query(`DROP INDEX "public"."IDX_98b7570bd1649b63088b9606f0"`);
    await q.query(`DROP INDEX "public"."IDX_44fc71824748598b1f47e794cf"`);
    await q.query(`DROP INDEX "public"."IDX_b7225953b13da6e114c5878dc2"`);
    await q.query(`DROP TABLE "tools"`);
    await q.query(`DROP INDEX "public"."IDX_1aa0f1f726aede620a328ade81"`);
    await q.query(`DROP TABLE "external_mcp_sources"`);
    await q.query(`DROP INDEX "public"."IDX_1fa31efc2a0bc0b517b9f7225d"`);
    await q.query(`DROP INDEX "public"."IDX_5aa5a88e6e0a3b390810f8dbc4"`);
    await q.query(`DROP INDEX "public"."IDX_6152d534ff228b9207bb1bac3d"`);
    await q.query(`DROP TABLE "activity_logs"`);
    await q.query(`DROP TABLE "servers"`);
  }
}
