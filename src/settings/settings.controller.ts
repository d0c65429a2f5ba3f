import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { SecurityPolicyDto, SettingDto, UpdateSecurityPolicyDto } from './dto/security-policy.dto';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@Authenticated()
@Controller('api/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Every setting with its description and default; encrypted values masked' })
  @ApiPageResponse(SettingDto)
  @ApiBadRequestResponse({ description: 'page or page_size out of range' })
  list(@Query() query: PaginationQueryDto, @CurrentActor() actor: Actor): Promise<Page<SettingDto>> {
    return this.settings.list(actor, query);
  }

  @Get('security-policy')
  @ApiOperation({ summary: 'Every security policy key with its current value' })
  @ApiOkResponse({ type: SecurityPolicyDto })
  policy(@CurrentActor() actor: Actor): SecurityPolicyDto {
    return this.settings.policy(actor);
  }

  @Patch('security-policy')
  @ApiOperation({
    summary: 'Change any subset of the security policy in one transaction (audited with old and new values)',
  })
  @ApiOkResponse({ type: SecurityPolicyDto, description: 'The whole policy after the change' })
  @ApiBadRequestResponse({
    description: 'Empty body, unknown key, wrong type or a value outside its set or range; nothing was changed',
  })
  update(@Body() dto: UpdateSecurityPolicyDto, @CurrentActor() actor: Actor): Promise<SecurityPolicyDto> {
    return this.settings.updatePolicy(actor, dto);
  }
}
