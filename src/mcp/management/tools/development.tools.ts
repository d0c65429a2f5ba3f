import { outputJsonSchema, pageJsonSchema } from '../../../common/contract/output-json-schema';
import { TestCodeDto, TestCodeResultDto } from '../../../sandbox/dto/sandbox.dto';
import { TestCodeController } from '../../../sandbox/test-code.controller';
import type { TestCodeService } from '../../../sandbox/test-code.service';
import { ToolVersionSummaryDto } from '../../../tools/dto/tool-version.dto';
import { ToolDto } from '../../../tools/dto/tool.dto';
import { CodeAnalysisDto, ValidateCodeDto } from '../../../tools/dto/validate-code.dto';
import { ToolVersionsController } from '../../../tools/tool-versions.controller';
import type { ToolVersionsService } from '../../../tools/tool-versions.service';
import { ToolsController } from '../../../tools/tools.controller';
import type { ToolsService } from '../../../tools/tools.service';
import { CHANGE, defineTool, READ, RUN, type ManagementTool } from '../management-tool';
import { RollbackInput, ToolPageInput } from './inputs';

/** Versions (list, roll back) and development (validate, test). */
export function developmentTools(
  tools: ToolsService,
  versions: ToolVersionsService,
  testCode: TestCodeService,
): ManagementTool[] {
  return [
    defineTool({
      name: 'mcpbox_list_tool_versions',
      title: "List a tool's versions",
      description:
        'Every version of a tool, newest first: each change of code, language, input schema or name wrote one. Roll back with mcpbox_rollback_tool.',
      input: ToolPageInput,
      output: pageJsonSchema(ToolVersionSummaryDto),
      annotations: READ,
      rest: { controller: ToolVersionsController, method: 'list' },
      run: (actor, input) => versions.list(actor, input.tool_id, input),
    }),
    defineTool({
      name: 'mcpbox_rollback_tool',
      title: 'Roll a tool back',
      description:
        'Make an earlier version current again (written as a new version). The tool goes back to pending_review: an admin approves it again before it runs.',
      input: RollbackInput,
      output: outputJsonSchema(ToolDto),
      annotations: CHANGE,
      rest: { controller: ToolVersionsController, method: 'rollback' },
      run: (actor, input) => versions.rollback(actor, input.tool_id, input.version),
    }),
    defineTool({
      name: 'mcpbox_validate_code',
      title: 'Check tool code',
      description:
        "Check tool code without running it: syntax errors with line and column, whether it exports main, its imports (and which npm modules are not approved), and the input schema derived from main's parameter. Use it while writing a tool.",
      input: ValidateCodeDto,
      output: outputJsonSchema(CodeAnalysisDto),
      annotations: READ,
      rest: { controller: ToolsController, method: 'validate' },
      run: (actor, input) => tools.validateCode(actor, input),
    }),
    defineTool({
      name: 'mcpbox_test_code',
      title: 'Test a saved tool',
      description:
        'Run a saved tool once in the sandbox with these arguments and get its result, error, console output and duration (logged as a test). Under tool_approval_mode=require_approval the tool must be approved first.',
      input: TestCodeDto,
      output: outputJsonSchema(TestCodeResultDto),
      annotations: RUN,
      rest: { controller: TestCodeController, method: 'run' },
      run: (actor, input) => testCode.run(actor, input),
    }),
  ];
}
