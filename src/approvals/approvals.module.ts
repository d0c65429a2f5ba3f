import { Module } from '@nestjs/common';
import { ModulesModule } from '../modules/modules.module';
import { NetworkAccessModule } from '../network-access/network-access.module';
import { ToolsModule } from '../tools/tools.module';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsService } from './approvals.service';

/** The Admin API of the approval queues (`/api/approvals`); the queues' rules live in their features. */
@Module({
  imports: [ToolsModule, ModulesModule, NetworkAccessModule],
  controllers: [ApprovalsController],
  providers: [ApprovalsService],
  exports: [ApprovalsService],
})
export class ApprovalsModule {}
