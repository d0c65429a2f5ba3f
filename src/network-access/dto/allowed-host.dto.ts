import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AllowedHostDto } from '../../servers/dto/server.dto';
import { HOST_MAX } from '../host-rules';

/** Shape only; the host rule itself (URL/IP parsing, canonical form) lives in host-rules.ts. */
export class AllowedHostInputDto {
  @ApiProperty({
    example: 'api.example.com',
    maxLength: HOST_MAX,
    description: 'A hostname or IP literal: no scheme, path or port',
  })
  @IsString()
  @MaxLength(HOST_MAX + 2)
  host: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 65535,
    nullable: true,
    type: Number,
    description: 'Absent or null = any port',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number | null;
}

export class AllowedHostsDto {
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty({
    type: [AllowedHostDto],
    description: "The server's allowed hosts after the change (from every approved record)",
  })
  allowed_hosts: AllowedHostDto[];
}
