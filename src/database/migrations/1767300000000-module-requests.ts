import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17 (module and network requests): the database record of each installed module
 * beside its bundle on disk, and "at most one pending request per (tool, host, any port)":
 * the existing partial unique index treats NULL ports as distinct, so "any port" gets one
 * of its own.
 */
export class ModuleRequests1767300000000 implements MigrationInterface {
  name = 'ModuleRequests1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "installed_modules" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "module_name" character varying(214) NOT NULL, "version" character varying(256) NOT NULL, "integrity" text NOT NULL, "bundle_sha256" character varying(64) NOT NULL, "bundle_bytes" integer NOT NULL, "installed_by" character varying(128) NOT NULL, "critical_override" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_8a070098553476be41d1ed5ce8e" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "IDX_a5d4b23bb5842b8ae120417ba8" ON "installed_modules" ("module_name")`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_network_requests_pending_any_port" ON "network_access_requests" ("tool_id", "host") WHERE status = 'pending' AND port IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."uq_network_requests_pending_any_port"`);
    await q.query(`DROP INDEX "public"."IDX_a5d4b23bb5842b8ae120417ba8"`);
    await q.query(`DROP TABLE "installed_modules"`);
  }
}
