import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { SecurityPolicyDto, SettingDto, UpdateSecurityPolicyDto } from './dto/security-policy.dto';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@Authenticated()
@Controller('api/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every setting with its description and default; encrypted values masked',
    description:
      'By key. A setting never changed shows its default (the strictest value) with `updated_at: null`; an encrypted value ' +
      'reads as "********".',
  })
  @ApiPageResponse(SettingDto)
  @ApiErrors({ 400: 'page or page_size out of range; unknown query parameter' })
  list(@Query() query: PaginationQueryDto, @CurrentActor() actor: Actor): Promise<Page<SettingDto>> {
    return this.settings.list(actor, query);
  }

  @Get('security-policy')
  @ApiOperation({
    summary: 'Every security policy key with its current value',
    description:
      'tool_approval_mode, network_access_policy, module_approval_mode, remote_tool_editing, redact_secrets_in_output, ' +
      'log_retention_days and mcp_rate_limit_rpm, as in force now (read per call by the sandbox and the gateway).',
  })
  @ApiOkResponse({ type: SecurityPolicyDto, description: 'The whole policy in force' })
  policy(@CurrentActor() actor: Actor): SecurityPolicyDto {
    return this.settings.policy(actor);
  }

  @Patch('security-policy')
  @ApiOperation({
    summary: 'Change any subset of the security policy in one transaction (audited with old and new values)',
    description:
      'At least one key; each value must be in its set or range (see the schema). All keys change or none. The change applies ' +
      'live: the next call, approval or MCP request follows it, without a restart.',
  })
  @ApiOkResponse({ type: SecurityPolicyDto, description: 'The whole policy after the change' })
  @ApiErrors(
    {
      400: 'Malformed JSON; empty body, unknown key, wrong type or a value outside its set or range; nothing was changed',
    },
    415,
  )
  update(@Body() dto: UpdateSecurityPolicyDto, @CurrentActor() actor: Actor): Promise<SecurityPolicyDto> {
    return this.settings.updatePolicy(actor, dto);
  }
}
