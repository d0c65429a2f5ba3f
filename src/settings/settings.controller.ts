import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthUser } from '../common/decorators';
import { SecurityPolicyDto, SettingsListDto, UpdateSecurityPolicyDto } from './dto/security-policy.dto';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@Authenticated()
@Controller('api/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOkResponse({ type: SettingsListDto, description: 'Every setting with its description and default; encrypted values masked' })
  async list(): Promise<SettingsListDto> {
    return { items: await this.settings.list() };
  }

  @Get('security-policy')
  @ApiOkResponse({ type: SecurityPolicyDto })
  policy(): SecurityPolicyDto {
    return this.settings.getPolicy();
  }

  @Patch('security-policy')
  @ApiOkResponse({ type: SecurityPolicyDto, description: 'The whole policy after the change' })
  @ApiBadRequestResponse({ description: 'Empty body, unknown key, wrong type or a value outside its set or range; nothing was changed' })
  update(@Body() dto: UpdateSecurityPolicyDto, @CurrentUser() user: AuthUser): Promise<SecurityPolicyDto> {
    return this.settings.updatePolicy({ ...dto }, user.username);
  }
}
