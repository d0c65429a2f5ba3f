import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { SECRET_KEY_PATTERN } from '../../common/limits';
import { SECRET_DESCRIPTION_MAX, SECRET_KEY_MAX, SECRET_VALUE_MAX_BYTES } from '../secret-rules';

export class CreateSecretDto {
  @ApiProperty({ example: 'WEATHER_API_KEY', pattern: SECRET_KEY_PATTERN.source, maxLength: SECRET_KEY_MAX })
  @IsString()
  @Length(1, SECRET_KEY_MAX)
  @Matches(SECRET_KEY_PATTERN, {
    message: `key_name must match ${SECRET_KEY_PATTERN.source} (upper case letters, digits and _, starting with a letter)`,
  })
  key_name: string;

  @ApiPropertyOptional({ maxLength: SECRET_DESCRIPTION_MAX, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(SECRET_DESCRIPTION_MAX)
  description?: string | null;
}

/** The byte limit is checked by the service (a UTF-8 byte count, not characters). */
export class SetSecretValueDto {
  @ApiProperty({
    description: `The secret value (1 character to ${SECRET_VALUE_MAX_BYTES} bytes of UTF-8). Write-only: never returned.`,
    writeOnly: true,
  })
  @IsString({ message: 'value must be a string' })
  value: string;
}

export class SecretDto {
  @ApiProperty({ example: 'WEATHER_API_KEY' }) key_name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ description: 'Whether a value is set (false = placeholder)' }) has_value: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}
