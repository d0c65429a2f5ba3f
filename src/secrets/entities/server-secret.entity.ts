import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import { Server } from '../../servers/entities/server.entity';

@Entity('server_secrets')
@Index(['serverId', 'keyName'], { unique: true })
export class ServerSecret extends BaseRecord {
  @Column({ type: 'uuid' }) serverId: string;
  @ManyToOne(() => Server, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'server_id' }) server?: Relation<Server>;
  @Column({ type: 'varchar', length: 128 }) keyName: string;
  /** AES-256-GCM, AAD `server_secret:{server_id}:{key_name}`; null = placeholder. */
  @Column({ type: 'text', nullable: true }) encryptedValue: string | null;
  @Column({ type: 'text', nullable: true }) description: string | null;
}
