import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A revoked token id (`jti`) or token family (`fam:<id>`); purged once expired. */
@Entity('revoked_tokens')
export class RevokedToken {
  @PrimaryColumn({ type: 'varchar', length: 80 }) jti: string;
  @Index() @Column({ type: 'timestamptz' }) expiresAt: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
