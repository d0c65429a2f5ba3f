import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/decorators';
import { forbidden, unauthorized } from '../common/errors';
import { ApiErrors } from '../common/openapi/api-errors';
import { AppConfig } from '../config/app-config';
import { metricsAccess } from './metrics-access';
import { MetricsService } from './metrics.service';

export const METRICS_SECURITY = 'metrics_token';

@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Open to loopback callers that did not come through a proxy; anyone else presents METRICS_TOKEN as a bearer token (not an admin access token). Without METRICS_TOKEN: loopback only.',
  })
  @ApiBearerAuth(METRICS_SECURITY)
  // The metrics are text; the error answers are JSON like every other.
  @ApiOkResponse({ description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors(
    { 401: 'Not loopback, and no or a wrong METRICS_TOKEN (WWW-Authenticate: Bearer realm="metrics")' },
    { 403: 'Not loopback, and METRICS_TOKEN is not set' },
    413,
  )
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const decision = metricsAccess(request.ip, request.headers, this.config.metricsToken);
    if (!decision.allowed) {
      if (decision.status === 401) void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw decision.status === 401 ? unauthorized(decision.message) : forbidden(decision.message);
    }
    const { contentType, body } = await this.metrics.scrape();
    void reply.header('content-type', contentType);
    return body;
  }
}
