import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { defineInputRule } from '../../common/contract/input-rules';
import { DomainError } from '../../common/errors';
import { AllowedHostDto } from '../../servers/dto/server.dto';
import { HOST_CHARS, HOST_MAX, normalizeHost } from '../host-rules';

const hostProblem = (value: unknown): string | null => {
  try {
    normalizeHost(value);
    return null;
  } catch (err) {
    if (err instanceof DomainError) return err.message;
    throw err;
  }
};

/** A bare host name or IP address, by the one host rule (host-rules.ts). */
const isHost = defineInputRule<[]>({
  name: 'isHost',
  validate: (value) => hostProblem(value) === null,
  message: (_p, _c, args) => hostProblem(args.value) ?? 'host is invalid',
  schema: () => ({ type: 'string', minLength: 1, maxLength: HOST_MAX + 2, pattern: HOST_CHARS.source }),
});

/** `networkAccess.addAdminHost` / `removeAdminHost`: `POST|DELETE /api/servers/{id}/allowed-hosts`. */
export class AllowedHostInputDto {
  @ApiProperty({
    example: 'api.example.com',
    maxLength: HOST_MAX,
    description: 'A hostname or IP literal: no scheme, path or port',
  })
  @isHost([])
  host: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 65535,
    nullable: true,
    type: 'integer',
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
