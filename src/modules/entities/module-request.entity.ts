import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import { Server } from '../../servers/entities/server.entity';
import { Tool } from '../../tools/entities/tool.entity';
import type { RequestSource, RequestStatus } from '../../common/request-status';

@Entity('module_requests')
@Index('uq_module_requests_pending', ['toolId', 'moduleName'], { unique: true, where: "status = 'pending'" })
export class ModuleRequest extends BaseRecord {
  @Index() @Column({ type: 'uuid', nullable: true }) toolId: string | null;
  @ManyToOne(() => Tool, { onDelete: 'SET NULL' }) @JoinColumn({ name: 'tool_id' }) tool?: Relation<Tool>;
  @Column({ type: 'uuid', nullable: true }) serverId: string | null;
  @ManyToOne(() => Server, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'server_id' }) server?: Relation<Server>;
  @Column({ type: 'varchar', length: 214 }) moduleName: string;
  @Column({ type: 'text', nullable: true }) justification: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) requestedBy: string | null;
  @Index() @Column({ type: 'varchar', length: 16, default: 'pending' }) status: RequestStatus;
  @Column({ type: 'timestamptz', nullable: true }) reviewedAt: Date | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) reviewedBy: string | null;
  @Column({ type: 'text', nullable: true }) rejectionReason: string | null;
  @Column({ type: 'varchar', length: 8, default: 'llm' }) source: RequestSource;
}
