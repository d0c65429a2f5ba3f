import { Column, Entity } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';

export const SERVER_STATUSES = ['imported', 'ready', 'running', 'stopped', 'error'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

/** An allowance of the derived cache: host with an optional port (null = any port). */
export interface AllowedHost {
  host: string;
  port: number | null;
}

@Entity('servers')
export class Server extends BaseRecord {
  @Column({ type: 'varchar', length: 64, unique: true }) name: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ type: 'varchar', length: 16, default: 'ready' }) status: ServerStatus;
  /** Derived cache of approved network records (docs/approvals.md#network-allowances); only the approvals code writes it. */
  // The default as PostgreSQL reports it back: TypeORM compares the two (src/database/schema-drift.spec.ts).
  @Column({ type: 'jsonb', default: () => "'[]'" }) allowedHosts: AllowedHost[];
  @Column({ type: 'int', default: 30000 }) defaultTimeoutMs: number;
}
