import { Column, Entity } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';

/** Singleton row. `allowed_modules` is a derived cache of approved module records (docs/approvals.md#derived-allow-lists). */
@Entity('global_config')
export class GlobalConfig extends BaseRecord {
  // The default as PostgreSQL reports it back: TypeORM compares the two (src/database/schema-drift.spec.ts).
  @Column({ type: 'jsonb', default: () => "'[]'" }) allowedModules: string[];
}
