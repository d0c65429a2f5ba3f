import { IntersectionType } from '@nestjs/swagger';
import { ServerIdDto, ToolIdDto } from '../../../common/contract/ids.dto';
import { PaginationQueryDto } from '../../../common/pagination';
import { ToolLogsQueryDto } from '../../../sandbox/dto/tool-logs.dto';
import { RequestModuleDto } from '../../../modules/dto/module.dto';
import { RequestNetworkAccessDto } from '../../../network-access/dto/network-request.dto';
import { CreateSecretDto } from '../../../secrets/dto/secret.dto';
import { RequestPublishDto } from '../../../tools/dto/tool-approval.dto';
import { ToolVersionNumberDto } from '../../../tools/dto/tool-version.dto';
import { CreateToolDto, UpdateToolDto } from '../../../tools/dto/tool.dto';

/*
 * The MCP form of operations whose REST route takes ids in its path: the same body (or
 * query) DTO, composed with the ids as arguments. The validation rules travel with the
 * composition, so an input is still defined once.
 */
export class ServerPageInput extends IntersectionType(ServerIdDto, PaginationQueryDto) {}
export class ToolPageInput extends IntersectionType(ToolIdDto, PaginationQueryDto) {}
export class CreateToolInput extends IntersectionType(ServerIdDto, CreateToolDto) {}
export class UpdateToolInput extends IntersectionType(ToolIdDto, UpdateToolDto) {}
export class RollbackInput extends IntersectionType(ToolIdDto, ToolVersionNumberDto) {}
export class CreateSecretInput extends IntersectionType(ServerIdDto, CreateSecretDto) {}
export class RequestPublishInput extends IntersectionType(ToolIdDto, RequestPublishDto) {}
export class ToolLogsInput extends IntersectionType(ToolIdDto, ToolLogsQueryDto) {}
export class RequestModuleInput extends IntersectionType(ToolIdDto, RequestModuleDto) {}
export class RequestNetworkAccessInput extends IntersectionType(ToolIdDto, RequestNetworkAccessDto) {}
