import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

@Entity('users')
export class User {
  /** Internal key; never leaves the server. */
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'public_id', type: 'uuid', default: () => 'gen_random_uuid()' })
  publicId!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  /** Whether the user has proved control of `email` (a verification or reset link). */
  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified!: boolean;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

  @Column({ type: 'text', array: true })
  scopes!: string[];

  /**
   * Incremented by every password change. Access tokens carry it (`ver`) and sessions record
   * it, so a change ends every token and session from before it.
   */
  @Column({ name: 'credential_version', type: 'integer', default: 0 })
  credentialVersion!: number;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}
