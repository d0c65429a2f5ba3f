import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';
import { Server } from '../../servers/entities/server.entity';

export const AUTH_TYPES = ['none', 'bearer', 'header', 'oauth'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];
export const SOURCE_STATUSES = ['active', 'error', 'disabled', 'needs_auth'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];
export const TRANSPORT_TYPES = ['streamable_http', 'sse'] as const;
export type TransportType = (typeof TRANSPORT_TYPES)[number];

@Entity('external_mcp_sources')
@Index(['serverId', 'name'], { unique: true })
export class ExternalMcpSource extends BaseRecord {
  @Column({ type: 'uuid' }) serverId: string;
  @ManyToOne(() => Server, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'server_id' }) server?: Relation<Server>;
  @Column({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'text' }) url: string;
  @Column({ type: 'varchar', length: 16, default: 'none' }) authType: AuthType;
  @Column({ type: 'varchar', length: 128, nullable: true }) authSecretName: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) authHeaderName: string | null;
  @Column({ type: 'varchar', length: 16, default: 'streamable_http' }) transportType: TransportType;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status: SourceStatus;
  /** Why the source is in `error` or `needs_auth` (no credential in it). */
  @Column({ type: 'text', nullable: true }) statusMessage: string | null;
  @Column({ type: 'timestamptz', nullable: true }) lastDiscoveredAt: Date | null;
  @Column({ type: 'int', default: 0 }) toolCount: number;
  @Column({ type: 'jsonb', nullable: true }) discoveredToolsCache: unknown[] | null;
  /** The OAuth state (tokens, client registration), sealed with the secret box; never shown. */
  @Column({ type: 'text', nullable: true, select: false }) oauthState: string | null;
}
