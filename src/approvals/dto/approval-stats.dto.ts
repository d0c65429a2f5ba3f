import { ApiProperty } from '@nestjs/swagger';
import { REQUEST_STATUSES, type RequestStatus } from '../../common/request-status';
import type { ApprovalStatus } from '../../tools/entities/tool.entity';

export interface ApprovalStats {
  tools: Record<ApprovalStatus, number>;
  modules: Record<RequestStatus, number>;
  network: Record<RequestStatus, number>;
}

export class ToolStatsDto {
  @ApiProperty() draft: number;
  @ApiProperty() pending_review: number;
  @ApiProperty() approved: number;
  @ApiProperty() rejected: number;
}

export class RequestStatsDto {
  @ApiProperty() pending: number;
  @ApiProperty() approved: number;
  @ApiProperty() rejected: number;
}

export class ApprovalStatsDto {
  @ApiProperty({ type: ToolStatsDto }) tools: ToolStatsDto;
  @ApiProperty({ type: RequestStatsDto, description: `module_requests by status (${REQUEST_STATUSES.join(', ')})` })
  modules: RequestStatsDto;
  @ApiProperty({ type: RequestStatsDto, description: 'network_access_requests by status' }) network: RequestStatsDto;
}

export const mapApprovalStats = (s: ApprovalStats): ApprovalStatsDto => ({
  tools: { ...s.tools },
  modules: { ...s.modules },
  network: { ...s.network },
});
