import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import { Server } from '../../servers/entities/server.entity';
import { ExternalMcpSource } from '../../external-sources/entities/external-mcp-source.entity';

export const APPROVAL_STATUSES = ['draft', 'pending_review', 'approved', 'rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export const TOOL_TYPES = ['code', 'mcp_passthrough'] as const;
export type ToolType = (typeof TOOL_TYPES)[number];
export const TOOL_LANGUAGES = ['javascript', 'typescript'] as const;
export type ToolLanguage = (typeof TOOL_LANGUAGES)[number];
/** What tool code does with the `mcp` global (code analysis finds it; reviewers and clients see it). */
export const MCP_FEATURES = ['progress', 'log', 'elicit', 'sample', 'roots'] as const;
export type McpFeature = (typeof MCP_FEATURES)[number];
export type JsonSchema = Record<string, unknown>;

@Entity('tools')
@Index(['serverId', 'name'], { unique: true })
export class Tool extends BaseRecord {
  @Column({ type: 'uuid' }) serverId: string;
  @ManyToOne(() => Server, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'server_id' }) server?: Relation<Server>;
  @Column({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'jsonb', nullable: true }) inputSchema: JsonSchema | null;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ type: 'int', nullable: true }) timeoutMs: number | null;
  @Column({ type: 'varchar', length: 16, default: 'code' }) toolType: ToolType;
  @Column({ type: 'varchar', length: 16, default: 'javascript' }) language: ToolLanguage;
  @Column({ type: 'text', nullable: true }) code: string | null;
  /** What the code does with the `mcp` global (code analysis), for reviewers and clients. */
  @Column({ type: 'jsonb', default: () => "'[]'" }) mcpFeatures: McpFeature[];
  @Index() @Column({ type: 'uuid', nullable: true }) externalSourceId: string | null;
  @ManyToOne(() => ExternalMcpSource, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'external_source_id' })
  externalSource?: Relation<ExternalMcpSource>;
  @Column({ type: 'varchar', length: 256, nullable: true }) externalToolName: string | null;
  /** mcp_passthrough: the source's definition (name, description, input schema) the approval covers. */
  @Column({ type: 'jsonb', nullable: true }) sourceDefinition: Record<string, unknown> | null;
  /** mcp_passthrough: what the source changed since the definition was last approved. */
  @Column({ type: 'jsonb', nullable: true }) definitionDiff: Record<string, unknown> | null;
  /** mcp_passthrough: why the tool is not served (its source was deleted). */
  @Column({ type: 'text', nullable: true }) sourceNote: string | null;
  @Column({ type: 'int', default: 1 }) currentVersion: number;
  @Index() @Column({ type: 'varchar', length: 16, default: 'draft' }) approvalStatus: ApprovalStatus;
  @Column({ type: 'timestamptz', nullable: true }) approvalRequestedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) approvedAt: Date | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) approvedBy: string | null;
  @Column({ type: 'text', nullable: true }) rejectionReason: string | null;
  @Column({ type: 'text', nullable: true }) publishNotes: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) createdBy: string | null;
}
