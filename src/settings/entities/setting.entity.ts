import { Column, Entity } from 'typeorm';
import { BaseRecord } from '../../database/base.entity';

@Entity('settings')
export class Setting extends BaseRecord {
  @Column({ type: 'varchar', length: 128, unique: true }) key: string;
  @Column({ type: 'text' }) value: string;
  @Column({ type: 'boolean', default: false }) encrypted: boolean;
  @Column({ type: 'text', nullable: true }) description: string | null;
}
