import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { ServersModule } from '../servers/servers.module';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

@Module({
  imports: [ServersModule, ApprovalsModule, SandboxModule],
  controllers: [DashboardController],
  providers: [DashboardService],
})
export class DashboardModule {}
