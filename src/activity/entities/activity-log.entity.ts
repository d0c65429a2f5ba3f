import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import { Server } from '../../servers/entities/server.entity';

export const LOG_TYPES = [
  'mcp_request',
  'mcp_response',
  'tool_execution',
  'network',
  'alert',
  'error',
  'system',
  'audit',
] as const;
export type LogType = (typeof LOG_TYPES)[number];
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The trigram index behind `search` (a GIN index the entity metadata cannot describe: see the migration). */
export const MESSAGE_SEARCH_INDEX = 'IDX_activity_logs_message_trgm';

@Entity('activity_logs')
@Index(['createdAt'])
@Index(['logType', 'createdAt'])
@Index(['serverId', 'createdAt'])
@Index(['level', 'createdAt'])
@Index(MESSAGE_SEARCH_INDEX, { synchronize: false })
export class ActivityLog extends BaseRecord {
  @Column({ type: 'uuid', nullable: true }) serverId: string | null;
  @ManyToOne(() => Server, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'server_id' }) server?: Relation<Server>;
  @Column({ type: 'varchar', length: 16 }) logType: LogType;
  @Column({ type: 'varchar', length: 8, default: 'info' }) level: LogLevel;
  @Column({ type: 'text' }) message: string;
  @Column({ type: 'jsonb', nullable: true }) details: Record<string, unknown> | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) requestId: string | null;
  @Column({ type: 'int', nullable: true }) durationMs: number | null;
}
