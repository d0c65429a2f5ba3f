import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ModulesModule } from '../modules/modules.module';
import { ServersModule } from '../servers/servers.module';
import { ToolVersion } from './entities/tool-version.entity';
import { Tool } from './entities/tool.entity';
import { PassthroughToolsService } from './passthrough-tools.service';
import { ToolApprovalsService } from './tool-approvals.service';
import { ToolModulesService } from './tool-modules.service';
import { ToolQueriesService } from './tool-queries.service';
import { ToolVersionsController } from './tool-versions.controller';
import { ToolVersionsService } from './tool-versions.service';
import { ToolsController } from './tools.controller';
import { ToolsService } from './tools.service';

const SERVICES = [
  ToolsService,
  ToolVersionsService,
  ToolApprovalsService,
  ToolQueriesService,
  ToolModulesService,
  PassthroughToolsService,
];

/** Tools, their versions and their approval state (the approvals controller serves the queue). */
@Module({
  imports: [TypeOrmModule.forFeature([Tool, ToolVersion]), ServersModule, ModulesModule],
  controllers: [ToolsController, ToolVersionsController],
  providers: SERVICES,
  exports: SERVICES,
})
export class ToolsModule {}
