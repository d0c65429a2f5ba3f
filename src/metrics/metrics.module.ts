import { Global, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ApprovalsModule } from '../approvals/approvals.module';
import { ApprovalsService } from '../approvals/approvals.service';
import { SYSTEM_ACTOR } from '../common/actor';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics: the service features report to (global, like the activity trail), the
 * `/metrics` route, and the count of every HTTP request (a Fastify hook, added before the
 * routes so that every route has it).
 */
@Global()
@Module({
  imports: [ApprovalsModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {
  constructor(adapterHost: HttpAdapterHost, metrics: MetricsService, approvals: ApprovalsService) {
    const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', (request, reply, done) => {
      metrics.httpRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    metrics.observePendingApprovals(async () => {
      const s = await approvals.stats(SYSTEM_ACTOR);
      return { tools: s.tools.pending_review, modules: s.modules.pending, network: s.network.pending };
    });
  }
}
