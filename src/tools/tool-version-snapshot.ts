import type { EntityManager } from 'typeorm';
import { CHANGE_SOURCES, ToolVersion, type ChangeSource } from './entities/tool-version.entity';
import type { Tool } from './entities/tool.entity';

/** version_number is a PostgreSQL integer: a larger number is a 400, not a driver error. */
export const MAX_VERSION_NUMBER = 2_147_483_647;

/** The fields a version snapshots and a rollback restores. */
export const VERSIONED_FIELDS = ['name', 'description', 'enabled', 'timeout_ms', 'code', 'input_schema'] as const;
export type VersionedField = (typeof VERSIONED_FIELDS)[number];

export interface VersionComparison {
  from: ToolVersion;
  to: ToolVersion;
  changed_fields: VersionedField[];
  /** Unified diff of the code, from → to. */
  diff: string;
  /** `whole_file` when the diff was too costly to compute line by line (diff_note says why). */
  diff_mode: 'lines' | 'whole_file';
  diff_note: string | null;
}

export function isChangeSource(v: unknown): v is ChangeSource {
  return typeof v === 'string' && (CHANGE_SOURCES as readonly string[]).includes(v);
}

/** Writes the row for `tool.currentVersion` from the tool as it now is, inside the caller's transaction. */
export async function writeVersion(
  tx: EntityManager,
  tool: Tool,
  source: ChangeSource,
  summary: string | null,
): Promise<ToolVersion> {
  const repo = tx.getRepository(ToolVersion);
  return repo.save(
    repo.create({
      toolId: tool.id,
      versionNumber: tool.currentVersion,
      name: tool.name,
      description: tool.description,
      enabled: tool.enabled,
      timeoutMs: tool.timeoutMs,
      code: tool.code,
      inputSchema: tool.inputSchema,
      changeSummary: summary,
      changeSource: source,
    }),
  );
}

export function versionValue(v: ToolVersion, field: VersionedField): unknown {
  switch (field) {
    case 'name':
      return v.name;
    case 'description':
      return v.description;
    case 'enabled':
      return v.enabled;
    case 'timeout_ms':
      return v.timeoutMs;
    case 'code':
      return v.code;
    case 'input_schema':
      return v.inputSchema;
  }
}
