import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor';
import { forbidden, invalid } from '../common/errors';
import { SecretsService } from '../secrets/secrets.service';
import { SettingsService } from '../settings/settings.service';
import { approvalBlocker } from '../tools/tool-readiness';
import { ToolsService } from '../tools/tools.service';
import { mapTestCodeResult, type TestCodeDto, type TestCodeResultDto } from './dto/sandbox.dto';
import { createRedactor } from './output-redaction';
import { loadedTool, ServerSnapshots } from './running-servers';
import { ToolExecutor } from './tool-executor';

/**
 * `POST /api/tools/test-code` and `mcpbox_test_code`: runs a saved tool once, whether or not
 * its server is running (docs/architecture.md#testing-a-tool), with its current secrets and allowances read fresh;
 * logged with `is_test` before the answer.
 */
@Injectable()
export class TestCodeService {
  constructor(
    private readonly snapshots: ServerSnapshots,
    private readonly executor: ToolExecutor,
    private readonly settings: SettingsService,
    private readonly secrets: SecretsService,
    private readonly tools: ToolsService,
  ) {}

  async run(actor: Actor, dto: TestCodeDto): Promise<TestCodeResultDto> {
    const tool = await this.tools.findOrFail(dto.tool_id);
    if (tool.toolType !== 'code' || tool.code === null)
      throw invalid(`Tool ${tool.name} is a ${tool.toolType} tool; only code tools run in the sandbox`);
    const blocker = approvalBlocker(tool);
    if (blocker && this.settings.get('tool_approval_mode') === 'require_approval') {
      throw forbidden(`${blocker} (Under tool_approval_mode=require_approval only approved tools can be tested.)`);
    }
    const server = await this.snapshots.server(tool.serverId);
    const secrets = await this.secrets.valuesFor(server.id);
    const { outcome, logged } = await this.executor.run(
      {
        serverId: server.id,
        serverName: server.name,
        tool: loadedTool(tool, server),
        secrets,
        allowedHosts: server.allowedHosts ?? [],
        redact: createRedactor(secrets),
      },
      dto.arguments ?? {},
      { isTest: true, executedBy: actor.name },
    );
    await logged;
    return mapTestCodeResult(outcome);
  }
}
