import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import type { McpInteractions } from '../runtime/contract';
import { Server } from '../../servers/entities/server.entity';
import { Tool } from '../../tools/entities/tool.entity';

@Entity('tool_execution_logs')
@Index(['toolId', 'createdAt'])
@Index(['serverId', 'createdAt'])
@Index(['createdAt'])
export class ToolExecutionLog extends BaseRecord {
  @Column({ type: 'uuid', nullable: true }) toolId: string | null;
  @ManyToOne(() => Tool, { onDelete: 'SET NULL' }) @JoinColumn({ name: 'tool_id' }) tool?: Relation<Tool>;
  @Column({ type: 'uuid' }) serverId: string;
  @ManyToOne(() => Server, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'server_id' }) server?: Relation<Server>;
  @Column({ type: 'varchar', length: 64 }) toolName: string;
  /** Arguments with secret values replaced by `[REDACTED]`. */
  @Column({ type: 'jsonb', nullable: true }) inputArgs: unknown;
  /** Truncated to 10 KB. */
  @Column({ type: 'text', nullable: true }) result: string | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ type: 'text', nullable: true }) stdout: string | null;
  @Column({ type: 'int' }) durationMs: number;
  @Column({ type: 'boolean' }) success: boolean;
  @Column({ type: 'boolean', default: false }) isTest: boolean;
  @Column({ type: 'varchar', length: 128, nullable: true }) executedBy: string | null;
  /** What passed between the tool and its MCP client (progress steps, logs, questions and answers), redacted. */
  @Column({ type: 'jsonb', nullable: true }) mcp: McpInteractions | null;
}
