import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import { Tool, type JsonSchema } from './tool.entity';

export const CHANGE_SOURCES = ['manual', 'llm', 'import', 'rollback'] as const;
export type ChangeSource = (typeof CHANGE_SOURCES)[number];

@Entity('tool_versions')
@Index(['toolId', 'versionNumber'], { unique: true })
export class ToolVersion extends BaseRecord {
  @Column({ type: 'uuid' }) toolId: string;
  @ManyToOne(() => Tool, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'tool_id' }) tool?: Relation<Tool>;
  @Column({ type: 'int' }) versionNumber: number;
  @Column({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'boolean' }) enabled: boolean;
  @Column({ type: 'int', nullable: true }) timeoutMs: number | null;
  @Column({ type: 'text', nullable: true }) code: string | null;
  @Column({ type: 'jsonb', nullable: true }) inputSchema: JsonSchema | null;
  @Column({ type: 'text', nullable: true }) changeSummary: string | null;
  @Column({ type: 'varchar', length: 16, default: 'manual' }) changeSource: ChangeSource;
}
