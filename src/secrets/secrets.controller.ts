import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, type PipeTransform } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { SECRET_KEY_PATTERN } from '../common/limits';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { validateInput } from '../common/contract/validate-input';
import { uuidParam } from '../common/uuid-param';
import { CreateSecretDto, SECRET_KEY_MAX, SecretDto, SecretKeyDto, SetSecretValueDto } from './dto/secret.dto';
import { SecretsService } from './secrets.service';

const serverId = uuidParam('id');
/** The `{key}` of the path, by the key rule of the DTO. */
const keyParam: PipeTransform<unknown, string> = {
  transform: (value) => validateInput(SecretKeyDto, { key_name: value }).key_name,
};

const KEY = {
  name: 'key',
  pattern: SECRET_KEY_PATTERN.source,
  maxLength: SECRET_KEY_MAX,
  description: 'Key name, e.g. WEATHER_API_KEY',
} as const;

@ApiTags('secrets')
@Authenticated()
@ApiIdParam('Server')
@Controller('api/servers/:id/secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Get()
  @ApiOperation({
    summary: "A server's secret keys, by name",
    description:
      'Names, descriptions and whether a value is set (`has_value`); never a value. Tool code reads the values of its own ' +
      'server as `process.env.KEY` inside the sandbox, and nowhere else.',
  })
  @ApiPageResponse(SecretDto)
  @ApiErrors(
    { 400: 'id is not a UUID; page or page_size out of range; unknown query parameter' },
    { 404: 'No such server' },
  )
  list(
    @Param('id', serverId) id: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<SecretDto>> {
    return this.secrets.list(actor, id, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a secret key (a placeholder without a value)',
    description:
      'The key name is upper case (`^[A-Z][A-Z0-9_]*$`, at most 128), unique per server; the description at most 1000 characters. ' +
      'The value is set afterwards with `PUT /api/servers/{id}/secrets/{key}`. Audited; a running server sees the key at once.',
  })
  @ApiCreatedResponse({ type: SecretDto, description: 'A placeholder: the key exists, without a value' })
  @ApiErrors(
    { 400: 'Malformed JSON; id is not a UUID; key_name breaks its rule; description too long; unknown field' },
    415,
    { 404: 'No such server', 409: 'The key already exists on this server' },
  )
  create(
    @Param('id', serverId) id: string,
    @Body() dto: CreateSecretDto,
    @CurrentActor() actor: Actor,
  ): Promise<SecretDto> {
    return this.secrets.create(actor, id, dto);
  }

  @Put(':key')
  @ApiOperation({
    summary: "Set (or replace) a secret key's value",
    description:
      'The value (1 character to 64 KiB of UTF-8) is stored encrypted (AES-256-GCM, bound to its server and key) and never returned. ' +
      'The key must exist (create it first). Audited without the value; a running server sees the new value without a restart.',
  })
  @ApiParam(KEY)
  @ApiOkResponse({
    type: SecretDto,
    description: 'The value is stored encrypted; a running server sees it without a restart',
  })
  @ApiErrors(
    {
      400: 'Malformed JSON; id is not a UUID; key breaks the key rule; value missing, empty, not a string or over 64 KiB; unknown field',
    },
    415,
    { 404: 'No such server, or no such key on it' },
  )
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
  @ApiOperation({
    summary: 'Delete a secret key and its value',
    description: 'Audited; a running server no longer sees the key from its next call.',
  })
  @ApiParam(KEY)
  @ApiNoContentResponse({ description: 'The secret and its value are gone' })
  @ApiErrors({ 400: 'Malformed JSON in a body (none is needed); id is not a UUID; key breaks the key rule' }, 415, {
    404: 'No such server, or no such key on it',
  })
  remove(
    @Param('id', serverId) id: string,
    @Param('key', keyParam) key: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    return this.secrets.remove(actor, id, key);
  }
}
