import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { DashboardService } from './dashboard.service';
import { DashboardDto } from './dto/dashboard.dto';

@ApiTags('dashboard')
@Authenticated()
@Controller('api/dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @ApiOperation({
    summary: 'Servers, tools, pending approvals, tool calls of the last 24 hours (test runs excluded), recent activity',
    description:
      'One read for the dashboard, each figure from the feature that owns it: server and tool counts, the pending requests of every ' +
      'approval queue, the calls of the last 24 hours (test runs excluded) with their error rate, duration percentiles, ' +
      'hourly buckets and the 10 most called tools, and the 10 latest activity entries.',
  })
  @ApiOkResponse({ type: DashboardDto, description: 'The figures of the dashboard' })
  get(@CurrentActor() actor: Actor): Promise<DashboardDto> {
    return this.dashboard.get(actor);
  }
}
