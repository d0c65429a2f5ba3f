import { ApiProperty } from '@nestjs/swagger';
import { IsText } from '../../common/contract/input-rules';
import type { RequestNames } from '../../common/request-queries';
import { MAX_REQUEST_TEXT } from '../../common/request-queue.dto';
import { REQUEST_STATUSES, type RequestSource, type RequestStatus } from '../../common/request-status';
import type { NetworkAccessRequest } from '../entities/network-access-request.entity';
import { AllowedHostInputDto } from './allowed-host.dto';

/** `networkRequests.request`: `mcpbox_request_network_access` (with tool_id). */
export class RequestNetworkAccessDto extends AllowedHostInputDto {
  @ApiProperty({ maxLength: MAX_REQUEST_TEXT, description: 'Why the tool needs this host (the admin reads this)' })
  @IsText({ maxLength: MAX_REQUEST_TEXT })
  justification: string;
}

/** A network request (or an admin's allowance) as the queue, the tools and the LLM see it. */
export class NetworkRequestDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'null for admin additions' })
  tool_id: string | null;
  @ApiProperty({ type: String, nullable: true }) tool_name: string | null;
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty({ type: String, nullable: true }) server_name: string | null;
  @ApiProperty({ description: 'Canonical spelling (lower case, punycode, dotted IPv4, compressed IPv6)' })
  host: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null = any port' }) port: number | null;
  @ApiProperty({ type: String, nullable: true }) justification: string | null;
  @ApiProperty({ type: String, nullable: true }) requested_by: string | null;
  @ApiProperty({ enum: REQUEST_STATUSES }) status: RequestStatus;
  @ApiProperty({ enum: ['llm', 'admin', 'import'] }) source: RequestSource;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) reviewed_at: string | null;
  @ApiProperty({ type: String, nullable: true }) reviewed_by: string | null;
  @ApiProperty({ type: String, nullable: true }) rejection_reason: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) created_at: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'What the policy means for this request, e.g. under network_access_policy=allow_all_public',
  })
  note: string | null;
}

export function mapNetworkRequest(
  r: NetworkAccessRequest,
  names: RequestNames,
  note: string | null = null,
): NetworkRequestDto {
  return {
    id: r.id,
    tool_id: r.toolId,
    tool_name: r.toolId ? (names.tools.get(r.toolId) ?? null) : null,
    server_id: r.serverId,
    server_name: names.servers.get(r.serverId) ?? null,
    host: r.host,
    port: r.port,
    justification: r.justification,
    requested_by: r.requestedBy,
    status: r.status,
    source: r.source,
    reviewed_at: r.reviewedAt?.toISOString() ?? null,
    reviewed_by: r.reviewedBy,
    rejection_reason: r.rejectionReason,
    created_at: r.createdAt.toISOString(),
    note,
  };
}
