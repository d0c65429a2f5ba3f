import { ApiProperty } from '@nestjs/swagger';

export class ToolImportsDto {
  @ApiProperty({ format: 'uuid' }) tool_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], description: 'npm modules the code imports' }) imports: string[];
  @ApiProperty({ type: [String], description: 'Imports that are not approved yet (ask with mcpbox_request_module)' })
  disallowed_imports: string[];
}

/** The modules a server's tools import, and which are approved (allowed modules are global). */
export class ServerModulesDto {
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty({ type: [String], description: 'Every approved module (any tool may import them)' })
  allowed_modules: string[];
  @ApiProperty({ type: [ToolImportsDto], description: "The server's code tools and their imports, by name" })
  tools: ToolImportsDto[];
}
