import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, type PipeTransform } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { validateInput } from '../common/contract/validate-input';
import { uuidParam } from '../common/uuid-param';
import { CreateSecretDto, SecretDto, SecretKeyDto, SetSecretValueDto } from './dto/secret.dto';
import { SecretsService } from './secrets.service';

const serverId = uuidParam('id');
/** The `{key}` of the path, by the key rule of the DTO. */
const keyParam: PipeTransform<unknown, string> = {
  transform: (value) => validateInput(SecretKeyDto, { key_name: value }).key_name,
};

@ApiTags('secrets')
@Authenticated()
@ApiParam({ name: 'id', description: 'Server id (UUID)' })
@ApiBadRequestResponse({
  description: 'Invalid input (the offending fields are named) or a server id that is not a UUID',
})
@ApiNotFoundResponse({ description: 'No such server (or no such secret key)' })
@Controller('api/servers/:id/secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Get()
  @ApiPageResponse(SecretDto)
  list(
    @Param('id', serverId) id: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<SecretDto>> {
    return this.secrets.list(actor, id, query);
  }

  @Post()
  @ApiCreatedResponse({ type: SecretDto, description: 'A placeholder: the key exists, without a value' })
  @ApiConflictResponse({ description: 'The key already exists on this server' })
  create(
    @Param('id', serverId) id: string,
    @Body() dto: CreateSecretDto,
    @CurrentActor() actor: Actor,
  ): Promise<SecretDto> {
    return this.secrets.create(actor, id, dto);
  }

  @Put(':key')
  @ApiParam({ name: 'key', description: 'Key name, e.g. WEATHER_API_KEY' })
  @ApiOkResponse({
    type: SecretDto,
    description: 'The value is stored encrypted; a running server sees it without a restart',
  })
  setValue(
    @Param('id', serverId) id: string,
    @Param('key', keyParam) key: string,
    @Body() dto: SetSecretValueDto,
    @CurrentActor() actor: Actor,
  ): Promise<SecretDto> {
    return this.secrets.setValue(actor, id, key, dto);
  }

  @Delete(':key')
  @HttpCode(204)
  @ApiParam({ name: 'key', description: 'Key name' })
  @ApiNoContentResponse({ description: 'The secret and its value are gone' })
  remove(
    @Param('id', serverId) id: string,
    @Param('key', keyParam) key: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    return this.secrets.remove(actor, id, key);
  }
}
