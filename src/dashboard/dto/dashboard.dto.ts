import { ApiProperty } from '@nestjs/swagger';
import { ActivityLogDto } from '../../activity/dto/activity.dto';

export class ServerCountsDto {
  @ApiProperty() total: number;
  @ApiProperty({ description: 'Servers in state running' }) running: number;
}

export class ToolCountsDto {
  @ApiProperty() total: number;
  @ApiProperty() approved: number;
  @ApiProperty({ description: 'Tools waiting for review (pending_review)' }) pending: number;
}

export class PendingApprovalsDto {
  @ApiProperty({ description: 'Tools in pending_review' }) tools: number;
  @ApiProperty({ description: 'Pending module requests' }) modules: number;
  @ApiProperty({ description: 'Pending network access requests' }) network: number;
  @ApiProperty() total: number;
}

export class ExecutionFiguresDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the 24-hour window' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ description: 'Tool calls in the window (test runs excluded)' }) total: number;
  @ApiProperty({ description: 'Of which failed' }) errors: number;
  @ApiProperty({ description: 'errors / total, 0–1 (0 without calls)' }) error_rate: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Median duration in ms' }) p50_duration_ms: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '95th percentile of the duration in ms' })
  p95_duration_ms: number | null;
}

export class TopToolDto {
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty({ type: String, nullable: true }) server_name: string | null;
  @ApiProperty() tool_name: string;
  @ApiProperty() calls: number;
  @ApiProperty() errors: number;
}

export class HourlyPointDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the hour-long bucket' }) from: string;
  @ApiProperty() calls: number;
  @ApiProperty() errors: number;
}

export class DashboardDto {
  @ApiProperty({ format: 'date-time' }) generated_at: string;
  @ApiProperty({ type: ServerCountsDto }) servers: ServerCountsDto;
  @ApiProperty({ type: ToolCountsDto }) tools: ToolCountsDto;
  @ApiProperty({ type: PendingApprovalsDto }) pending_approvals: PendingApprovalsDto;
  @ApiProperty({ type: ExecutionFiguresDto, description: 'Tool calls of the last 24 hours, test runs excluded' })
  executions: ExecutionFiguresDto;
  @ApiProperty({ type: [TopToolDto], description: 'The 10 most called tools of the window' }) top_tools: TopToolDto[];
  @ApiProperty({ type: [HourlyPointDto], description: '24 buckets of one hour, oldest first, the last ending now' })
  hourly: HourlyPointDto[];
  @ApiProperty({ type: [ActivityLogDto], description: 'The 10 latest activity entries, newest first' })
  recent_activity: ActivityLogDto[];
}
