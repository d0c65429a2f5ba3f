import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { AllowedHostInputDto, AllowedHostsDto } from './dto/allowed-host.dto';
import { uuidParam } from '../common/uuid-param';
import { NetworkAccessService } from './network-access.service';

@ApiTags('servers')
@Authenticated()
@ApiParam({ name: 'id', description: 'Server id (UUID)' })
@ApiBadRequestResponse({
  description:
    'Not a bare hostname/IP (URL, path, port in host, whitespace, empty, > 253), a port outside 1..65535, or a server id that is not a UUID',
})
@Controller('api/servers/:id/allowed-hosts')
export class AllowedHostsController {
  constructor(private readonly network: NetworkAccessService) {}

  @Post()
  @ApiCreatedResponse({ type: AllowedHostsDto, description: 'An admin-sourced, approved network record was created' })
  @ApiNotFoundResponse({ description: 'No such server' })
  @ApiConflictResponse({ description: 'This host and port are already allowed for the server' })
  add(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: AllowedHostInputDto,
    @CurrentActor() actor: Actor,
  ): Promise<AllowedHostsDto> {
    return this.network.addAdminHost(actor, id, dto);
  }

  @Delete()
  @HttpCode(200)
  @ApiBody({ type: AllowedHostInputDto })
  @ApiOkResponse({ type: AllowedHostsDto, description: 'The admin record for exactly this host and port was removed' })
  @ApiNotFoundResponse({ description: 'No such server, or no admin record for this host and port' })
  remove(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: AllowedHostInputDto,
    @CurrentActor() actor: Actor,
  ): Promise<AllowedHostsDto> {
    return this.network.removeAdminHost(actor, id, dto);
  }
}
