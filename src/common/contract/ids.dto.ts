import { ApiProperty } from '@nestjs/swagger';
import { IsEntityId } from './input-rules';

/**
 * The ids an operation takes beside its body. Over REST they are path parameters; the MCP
 * management tools take them as arguments (docs/architecture.md#management-tools: `server_id`, `tool_id`), composed with
 * the body DTO: `IntersectionType(ServerIdDto, CreateToolDto)`.
 */
export class ServerIdDto {
  @ApiProperty({ format: 'uuid', description: 'The server' }) @IsEntityId() server_id: string;
}

export class ToolIdDto {
  @ApiProperty({ format: 'uuid', description: 'The tool' }) @IsEntityId() tool_id: string;
}
