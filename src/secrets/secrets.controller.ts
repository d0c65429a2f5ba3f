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
import { adminActor } from '../common/actor';
import { Authenticated, CurrentUser, type AuthUser } from '../common/decorators';
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
    @CurrentUser() user: AuthUser,
  ): Promise<Page<SecretDto>> {
    return this.secrets.list(adminActor(user.username), id, query);
  }

  @Post()
  @ApiCreatedResponse({ type: SecretDto, description: 'A placeholder: the key exists, without a value' })
  @ApiConflictResponse({ description: 'The key already exists on this server' })
  create(
    @Param('id', serverId) id: string,
    @Body() dto: CreateSecretDto,
    @CurrentUser() user: AuthUser,
  ): Promise<SecretDto> {
    return this.secrets.create(adminActor(user.username), id, dto);
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
    @CurrentUser() user: AuthUser,
  ): Promise<SecretDto> {
    return this.secrets.setValue(adminActor(user.username), id, key, dto);
  }

  @Delete(':key')
  @HttpCode(204)
  @ApiParam({ name: 'key', description: 'Key name' })
  @ApiNoContentResponse({ description: 'The secret and its value are gone' })
  remove(
    @Param('id', serverId) id: string,
    @Param('key', keyParam) key: string,
    @CurrentUser() user: AuthUser,
  ): Promise<void> {
    return this.secrets.remove(adminActor(user.username), id, key);
  }
}
