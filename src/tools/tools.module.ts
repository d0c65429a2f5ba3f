import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServersModule } from '../servers/servers.module';
import { GlobalConfig } from '../settings/entities/global-config.entity';
import { ToolVersion } from './entities/tool-version.entity';
import { Tool } from './entities/tool.entity';
import { ToolVersionsController } from './tool-versions.controller';
import { ToolVersionsService } from './tool-versions.service';
import { ToolsController } from './tools.controller';
import { ToolsService } from './tools.service';

@Module({
  imports: [TypeOrmModule.forFeature([Tool, ToolVersion, GlobalConfig]), ServersModule],
  controllers: [ToolsController, ToolVersionsController],
  providers: [ToolsService, ToolVersionsService],
  exports: [ToolsService, ToolVersionsService],
})
export class ToolsModule {}
