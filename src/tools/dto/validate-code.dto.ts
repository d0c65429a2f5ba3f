import { MCP_FEATURES, type McpFeature } from '../entities/tool.entity';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsText, OptionalNotNull } from '../../common/contract/input-rules';
import type { CodeAnalysis } from '../code-analysis';
import { TOOL_LANGUAGES, type JsonSchema, type ToolLanguage } from '../entities/tool.entity';

/** `tools.validateCode`: `POST /api/tools/validate-code`, `mcpbox_validate_code`. */
export class ValidateCodeDto {
  @ApiProperty({ description: 'The tool module to check; it is parsed, never run' }) @IsText() code: string;
  @ApiPropertyOptional({ enum: TOOL_LANGUAGES, default: 'javascript' })
  @OptionalNotNull()
  @IsIn(TOOL_LANGUAGES)
  language?: ToolLanguage;
}

export class CodeIssueDto {
  @ApiProperty() message: string;
  @ApiProperty({ nullable: true, type: Number, description: '1-based' }) line: number | null;
  @ApiProperty({ nullable: true, type: Number, description: '1-based' }) column: number | null;
}

export class CodeAnalysisDto {
  @ApiProperty({ description: 'No errors: parses, exports main, imports nothing that can never load' }) valid: boolean;
  @ApiProperty({
    type: [CodeIssueDto],
    description: 'Syntax errors (with line and column), a missing main, Node built-ins, require()',
  })
  errors: CodeIssueDto[];
  @ApiProperty({ type: [CodeIssueDto], description: 'E.g. an npm module not approved yet, a computed import()' })
  warnings: CodeIssueDto[];
  @ApiProperty({ type: [String], description: 'Every module imported statically, re-exported or by import("literal")' })
  imports: string[];
  @ApiProperty({ type: [String], description: 'Imports not on the allowed module list (Node built-ins never are)' })
  disallowed_imports: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "Derived from main's destructured parameter",
  })
  input_schema: JsonSchema | null;
  @ApiProperty({
    enum: MCP_FEATURES,
    isArray: true,
    description:
      "What the code does with the mcp global: progress, log (to the MCP client), elicit (asks the user), sample (asks the client's model), roots",
  })
  mcp_features: McpFeature[];
}

export const mapCodeAnalysis = (a: CodeAnalysis): CodeAnalysisDto => ({ ...a });
