import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import { Server } from '../../servers/entities/server.entity';
import { Tool } from '../../tools/entities/tool.entity';
import type { RequestSource, RequestStatus } from '../../common/request-status';

@Entity('network_access_requests')
@Index('uq_network_requests_pending', ['toolId', 'host', 'port'], { unique: true, where: "status = 'pending'" })
// NULL ports are distinct in a unique index: "any port" needs its own, or two could be pending at once.
@Index('uq_network_requests_pending_any_port', ['toolId', 'host'], {
  unique: true,
  where: "status = 'pending' AND port IS NULL",
})
export class NetworkAccessRequest extends BaseRecord {
  @Index() @Column({ type: 'uuid', nullable: true }) toolId: string | null;
  @ManyToOne(() => Tool, { onDelete: 'SET NULL' }) @JoinColumn({ name: 'tool_id' }) tool?: Relation<Tool>;
  @Index() @Column({ type: 'uuid' }) serverId: string;
  @ManyToOne(() => Server, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'server_id' }) server?: Relation<Server>;
  @Column({ type: 'varchar', length: 253 }) host: string;
  /** null = any port */
  @Column({ type: 'int', nullable: true }) port: number | null;
  @Column({ type: 'text', nullable: true }) justification: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) requestedBy: string | null;
  @Index() @Column({ type: 'varchar', length: 16, default: 'pending' }) status: RequestStatus;
  @Column({ type: 'timestamptz', nullable: true }) reviewedAt: Date | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) reviewedBy: string | null;
  @Column({ type: 'text', nullable: true }) rejectionReason: string | null;
  @Column({ type: 'varchar', length: 8, default: 'llm' }) source: RequestSource;
}
