import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Tool } from '../tools/entities/tool.entity';
import { ApprovalsController } from './approvals.controller';
import { ModuleRequest } from './entities/module-request.entity';
import { NetworkAccessRequest } from './entities/network-access-request.entity';
import { ToolApprovalsService } from './tool-approvals.service';

@Module({
  imports: [TypeOrmModule.forFeature([Tool, ModuleRequest, NetworkAccessRequest])],
  controllers: [ApprovalsController],
  providers: [ToolApprovalsService],
  exports: [ToolApprovalsService],
})
export class ApprovalsModule {}
