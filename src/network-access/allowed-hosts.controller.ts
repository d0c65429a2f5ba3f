import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { AllowedHostInputDto, AllowedHostsDto } from './dto/allowed-host.dto';
import { uuidParam } from '../common/uuid-param';
import { NetworkAccessService } from './network-access.service';

@ApiTags('servers')
@Authenticated()
@ApiIdParam('Server')
@ApiErrors(
  {
    400: 'Malformed JSON; not a bare hostname/IP (URL, path, port in host, whitespace, empty, > 253), a port outside 1..65535, or a server id that is not a UUID; unknown field',
  },
  415,
)
@Controller('api/servers/:id/allowed-hosts')
export class AllowedHostsController {
  constructor(private readonly network: NetworkAccessService) {}

  @Post()
  @ApiOperation({
    summary: "Allow a host (and a port, or any port) for a server's tools",
    description:
      'Creates an approved network record of source admin; the host is canonicalised (lower case, IDN to punycode, IP literals normalised). ' +
      "The server's `allowed_hosts` is recomputed from its approved records and a running server uses it from its next call. " +
      'An allowed host may resolve to a private address; loopback, link-local and cloud metadata addresses stay unreachable whatever is allowed. Audited.',
  })
  @ApiCreatedResponse({ type: AllowedHostsDto, description: 'An admin-sourced, approved network record was created' })
  @ApiErrors({ 404: 'No such server', 409: 'This host and port are already allowed for the server' })
  add(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: AllowedHostInputDto,
    @CurrentActor() actor: Actor,
  ): Promise<AllowedHostsDto> {
    return this.network.addAdminHost(actor, id, dto);
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Remove a host an admin allowed for a server',
    description:
      'Removes the admin record for exactly this host and port (no port = the any-port record); hosts granted by approving a ' +
      "tool's network request are not removed here. `allowed_hosts` is recomputed and a running server uses it from its next call. Audited.",
  })
  @ApiBody({ type: AllowedHostInputDto })
  @ApiOkResponse({ type: AllowedHostsDto, description: 'The admin record for exactly this host and port was removed' })
  @ApiErrors({ 404: 'No such server, or no admin record for this host and port' })
  remove(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: AllowedHostInputDto,
    @CurrentActor() actor: Actor,
  ): Promise<AllowedHostsDto> {
    return this.network.removeAdminHost(actor, id, dto);
  }
}
