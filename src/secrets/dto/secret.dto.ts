import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MinLength } from 'class-validator';
import { IsText, MaxUtf8BytesQuiet } from '../../common/contract/input-rules';
import { SECRET_KEY_PATTERN } from '../../common/limits';
import type { ServerSecret } from '../entities/server-secret.entity';

export const SECRET_KEY_MAX = 128;
/** A value is at most 64 KiB of UTF-8: enough for a PEM key or a service-account JSON. */
export const SECRET_VALUE_MAX_BYTES = 64 * 1024;
export const SECRET_DESCRIPTION_MAX = 1000;

/** The key rule (docs/architecture.md#secrets): the `{key}` of a secret's path is validated with this class too. */
export class SecretKeyDto {
  @ApiProperty({ example: 'WEATHER_API_KEY', pattern: SECRET_KEY_PATTERN.source, maxLength: SECRET_KEY_MAX })
  @IsString({ message: 'key_name is required' })
  @Length(1, SECRET_KEY_MAX, { message: `key_name must be 1 to ${SECRET_KEY_MAX} characters` })
  @Matches(SECRET_KEY_PATTERN, {
    message: `key_name must match ${SECRET_KEY_PATTERN.source} (upper case letters, digits and _, starting with a letter)`,
  })
  key_name: string;
}

/** `secrets.create`: `POST /api/servers/{id}/secrets`, `mcpbox_create_server_secret` (with server_id). A placeholder. */
export class CreateSecretDto extends SecretKeyDto {
  @ApiPropertyOptional({
    maxLength: SECRET_DESCRIPTION_MAX,
    nullable: true,
    type: String,
    description: 'What the key is for',
  })
  @IsOptional()
  @IsText({ maxLength: SECRET_DESCRIPTION_MAX })
  description?: string | null;
}

/** `secrets.setValue`: `PUT /api/servers/{id}/secrets/{key}` (admins only). Messages never quote the value. */
export class SetSecretValueDto {
  @ApiProperty({
    description: `The secret value (1 character to ${SECRET_VALUE_MAX_BYTES} bytes of UTF-8). Write-only: never returned.`,
    writeOnly: true,
  })
  @IsString({ message: 'value must be a string' })
  @MinLength(1, { message: 'value must not be empty' })
  @MaxUtf8BytesQuiet(SECRET_VALUE_MAX_BYTES)
  value: string;
}

/** What anyone may see of a secret: never its value, only whether one is set. */
export class SecretDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'WEATHER_API_KEY' }) key_name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ description: 'Whether a value is set (false = placeholder)' }) has_value: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export const mapSecret = (s: ServerSecret): SecretDto => ({
  id: s.id,
  key_name: s.keyName,
  description: s.description,
  has_value: s.encryptedValue !== null,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});
