import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsJWT, IsString, Length, Matches } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../passwords';
import type { AdminUser } from '../entities/admin-user.entity';

export class SetupDto {
  @ApiProperty({ example: 'admin', pattern: '^[A-Za-z0-9_.@-]{3,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{3,64}$/, { message: 'username must be 3-64 characters of letters, digits, _ . @ -' })
  username: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, { message: `password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters` })
  password: string;
}

export class LoginDto {
  @ApiProperty() @IsString() @Length(1, 64) username: string;
  @ApiProperty() @IsString() @Length(1, PASSWORD_MAX) password: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @IsJWT({ message: 'refresh_token must be a JWT' }) refresh_token: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @Length(1, PASSWORD_MAX) current_password: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, { message: `new_password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters` })
  new_password: string;
}

export class TokenPairDto {
  @ApiProperty() access_token: string;
  @ApiProperty() refresh_token: string;
  @ApiProperty({ example: 'bearer' }) token_type: 'bearer';
  @ApiProperty({ description: 'Access token lifetime in seconds' }) expires_in: number;
}

export class AuthStatusDto {
  @ApiProperty() setup_required: boolean;
}

export class AdminUserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() is_active: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) last_login_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export function mapAdminUser(u: AdminUser): AdminUserDto {
  return {
    id: u.id,
    username: u.username,
    is_active: u.isActive,
    last_login_at: u.lastLoginAt?.toISOString() ?? null,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}
