import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../common/decorators';
import { AppConfigDto } from './dto/app-config.dto';
import { SystemService } from './system.service';

@ApiTags('system')
@Authenticated()
@Controller('api/config')
export class SystemController {
  constructor(private readonly system: SystemService) {}

  @Get()
  @ApiOperation({
    summary: 'What this instance is and runs under',
    description:
      'Version, mode (local or remote), the URL of the MCP gateway, the body limit, the sandbox limits, the security policy in force, ' +
      'where the activity stream and the metrics are and whether METRICS_TOKEN is set. Never a secret or a key.',
  })
  @ApiOkResponse({ type: AppConfigDto, description: 'Version, mode, MCP URL, limits and the policy in force' })
  get(): AppConfigDto {
    return this.system.describe();
  }
}
