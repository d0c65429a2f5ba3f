import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../common/decorators';
import { AppConfigDto } from './dto/app-config.dto';
import { SystemService } from './system.service';

@ApiTags('system')
@Authenticated()
@Controller('api/config')
export class SystemController {
  constructor(private readonly system: SystemService) {}

  @Get()
  @ApiOkResponse({ type: AppConfigDto, description: 'Version, mode, MCP URL, limits and the policy in force' })
  get(): AppConfigDto {
    return this.system.describe();
  }
}
