import { Column, Entity, Index } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';

/**
 * The database record of a module installed in the store (docs/approvals.md#module-allowances: the bundle on disk
 * under the data folder, its record here): which version, checked against which integrity,
 * bundled to which hash, installed by whom, and whether a critical advisory was overridden.
 * The store on disk stays what the sandbox loads; this row is the account of it.
 */
@Entity('installed_modules')
export class InstalledModuleRecord extends BaseRecord {
  @Index({ unique: true }) @Column({ type: 'varchar', length: 214 }) moduleName: string;
  @Column({ type: 'varchar', length: 256 }) version: string;
  @Column({ type: 'text' }) integrity: string;
  @Column({ type: 'varchar', length: 64 }) bundleSha256: string;
  @Column({ type: 'int' }) bundleBytes: number;
  @Column({ type: 'varchar', length: 128 }) installedBy: string;
  @Column({ type: 'boolean', default: false }) criticalOverride: boolean;
}
