import { Column, Entity } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';

/** Singleton row. `allowed_modules` is a derived cache of approved module records (SPEC §8). */
@Entity('global_config')
export class GlobalConfig extends BaseRecord {
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" }) allowedModules: string[];
}
