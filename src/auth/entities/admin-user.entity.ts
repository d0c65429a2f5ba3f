import { Column, Entity } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';

@Entity('admin_users')
export class AdminUser extends BaseRecord {
  @Column({ type: 'varchar', length: 64, unique: true }) username: string;
  @Column({ type: 'text' }) passwordHash: string;
  @Column({ type: 'boolean', default: true }) isActive: boolean;
  /** Bumped on every password change; tokens carrying an older value are dead. */
  @Column({ type: 'int', default: 1 }) passwordVersion: number;
  @Column({ type: 'timestamptz', nullable: true }) lastLoginAt: Date | null;
}
