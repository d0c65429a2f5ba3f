import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GlobalConfig } from './entities/global-config.entity';
import { ModuleRequest } from './entities/module-request.entity';
import { ModulesService } from './modules.service';

/** The home of allowed npm modules: records and the derived cache (routes and installs come with the modules issue). */
@Module({
  imports: [TypeOrmModule.forFeature([ModuleRequest, GlobalConfig])],
  providers: [ModulesService],
  exports: [ModulesService],
})
export class ModulesModule {}
