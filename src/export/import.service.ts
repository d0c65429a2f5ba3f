import { Injectable, Logger } from '@nestjs/common';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { validateInput } from '../common/contract/validate-input';
import { DomainError, invalid } from '../common/errors';
import { isUniqueViolation } from '../common/ids';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { CreateExternalSourceDto } from '../external-sources/dto/external-source.dto';
import { ExternalSourcesService } from '../external-sources/external-sources.service';
import { ModuleNameDto } from '../modules/dto/module.dto';
import { ModulesService } from '../modules/modules.service';
import { AllowedHostInputDto } from '../network-access/dto/allowed-host.dto';
import { NetworkAccessService } from '../network-access/network-access.service';
import { CreateSecretDto } from '../secrets/dto/secret.dto';
import { SecretsService } from '../secrets/secrets.service';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { CreateServerDto } from '../servers/dto/server.dto';
import { ServersService } from '../servers/servers.service';
import { SettingsService } from '../settings/settings.service';
import { CreateToolDto } from '../tools/dto/tool.dto';
import { ToolsService } from '../tools/tools.service';
import {
  checkFormatVersion,
  emptyCounts,
  importCounts,
  parseExportDocument,
  type ExportedServer,
  type ImportIssue,
} from './export-document';
import type { ImportQueryDto, ImportResultDto } from './dto/export.dto';
import { ExportSigner } from './export-signer';

type Result = Omit<ImportResultDto, 'counts'>;
/** How far a document is trusted: a verified one from this MCPBox, or anything else (which grants nothing). */
type Trust =
  | { verified: true; autoApprove: boolean }
  | { verified: false; autoApprove: false; origin: { requestedBy: string; justification: string } };
const PENDING_REASON = 'left as a pending request for the admin: an unsigned document grants nothing';

/**
 * Imports an export document (docs/architecture.md#export-and-import) in ONE transaction through the same services the
 * API uses, so an imported name, code, schema or host meets exactly the API's rules.
 * Every item runs under its own savepoint, so all failures are found and reported in one
 * answer; any failure then rolls the whole import back (400, nothing kept). Servers whose
 * name exists are skipped and reported, never overwritten. Every imported tool lands in
 * `pending_review`, except from a verified signature under `tool_approval_mode=auto_approve`.
 * A document whose signature does not verify grants nothing: its network and module
 * records become pending requests for the admin (issue 13).
 */
@Injectable()
export class ImportService {
  private readonly log = new Logger(ImportService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly signer: ExportSigner,
    private readonly servers: ServersService,
    private readonly tools: ToolsService,
    private readonly secrets: SecretsService,
    private readonly network: NetworkAccessService,
    private readonly sources: ExternalSourcesService,
    private readonly modules: ModulesService,
    private readonly settings: SettingsService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  /**
   * `POST /api/export/import`: the document as it came (judged as a whole: its signature
   * covers every member) and the query's options.
   */
  async importDocument(actor: Actor, raw: unknown, options: ImportQueryDto): Promise<ImportResultDto> {
    requireAdmin(actor, 'import servers');
    checkFormatVersion(raw);
    const verified = this.signer.verify(raw as Record<string, unknown>);
    if (!verified && options.allow_unsigned !== 'true') {
      throw invalid(
        'The export signature is missing, malformed, made by another MCPBox, or the document was changed after export. Pass ?allow_unsigned=true to import it anyway: it then grants nothing (every tool lands in pending_review; network and module records become pending requests for the admin).',
        { fields: ['signature'] },
      );
    }
    const doc = parseExportDocument(raw);
    const result: Omit<ImportResultDto, 'counts'> = {
      signature_verified: verified,
      created: emptyCounts(),
      skipped: [],
      failed: [],
      pending_requests: [],
    };
    // A verified document from this MCPBox follows the policy; anything else is reviewed,
    // and grants nothing: its network and module records arrive as pending requests.
    const trust: Trust = verified
      ? { verified: true, autoApprove: this.policyAutoApproves() }
      : {
          verified: false,
          autoApprove: false,
          origin: {
            requestedBy: `import by ${actor.name}`,
            justification: `Listed in an import by ${actor.name} whose signature did not verify (unsigned, foreign or changed document): nothing in it was granted. Approve only if you trust where the document came from.`,
          },
        };

    await this.uow
      .run(async () => {
        const seen = new Set<string>();
        for (const server of doc.servers) {
          if (seen.has(server.name)) {
            result.failed.push({
              kind: 'server',
              name: server.name,
              reason: 'the document holds two servers with this name',
            });
            continue;
          }
          seen.add(server.name);
          if (await this.servers.findByName(server.name)) {
            result.skipped.push({ kind: 'server', name: server.name, reason: `a server named ${server.name} exists` });
            continue;
          }
          await this.importServer(server, actor, trust, result);
        }
        await this.importModuleRecords(doc.module_records, actor, trust, result);
        if (result.failed.length) {
          const refused = { ...result, created: emptyCounts(), pending_requests: [] };
          throw invalid(`Import refused: ${result.failed.length} item(s) failed; nothing was imported`, {
            created: refused.created,
            counts: importCounts(refused),
            skipped: refused.skipped,
            failed: refused.failed,
            pending_requests: refused.pending_requests,
          });
        }
        await this.activity.audit(actor, {
          message: `Import by ${actor.name}: ${result.created.servers} server(s), ${result.created.tools} tool(s) (${verified ? 'signature verified' : `unsigned, allowed by the admin; ${result.pending_requests.length} record(s) left as pending requests`})`,
          details: {
            signature_verified: verified,
            created: result.created,
            skipped: result.skipped,
            pending_requests: result.pending_requests,
          },
        });
      })
      .catch((err: unknown) => {
        if (!(err instanceof DomainError)) this.log.error({ err }, 'Import failed unexpectedly; rolled back');
        throw err;
      });
    return { ...result, counts: importCounts(result) };
  }

  /** One server and everything beneath it, each item through the service (and the rules) the API uses. */
  private async importServer(s: ExportedServer, actor: Actor, trust: Trust, result: Result): Promise<void> {
    const server = await this.item(result, 'server', s.name, async () => {
      const { name, description, default_timeout_ms } = s;
      const created = await this.servers.create(
        actor,
        validateInput(CreateServerDto, { name, description, default_timeout_ms }),
      );
      // `imported` (docs/architecture.md#servers): it exists, but nothing of it has been reviewed or started here yet.
      await this.servers.setStatus(created.id, 'imported');
      await this.changes.publish({ serverId: created.id, kind: 'server' });
      return created;
    });
    if (!server) return;
    result.created.servers++;

    for (const secret of s.secrets) {
      const name = `${s.name}.${secret.key_name}`;
      if (
        await this.item(result, 'secret', name, () =>
          this.secrets.create(actor, server.id, validateInput(CreateSecretDto, secret)),
        )
      )
        result.created.secrets++;
    }
    for (const source of s.external_sources) {
      const name = `${s.name}.${source.name}`;
      const create = () => this.sources.create(actor, server.id, validateInput(CreateExternalSourceDto, source));
      if (await this.item(result, 'external_source', name, create)) result.created.external_sources++;
    }
    for (const tool of s.tools) {
      const name = `${s.name}.${tool.name}`;
      if (tool.tool_type === 'mcp_passthrough') {
        const from = tool.external_source_name ? `source ${tool.external_source_name}` : 'its source';
        result.skipped.push({
          kind: 'tool',
          name,
          reason: `mcp_passthrough tools are not imported: discover ${from} and import its tools after the import`,
        });
        continue;
      }
      if (tool.tool_type !== 'code') {
        result.failed.push({ kind: 'tool', name, reason: `tool_type must be code or mcp_passthrough` });
        continue;
      }
      const { description, code, language, input_schema, timeout_ms, enabled } = tool;
      const input = { name: tool.name, description, code, language, input_schema, timeout_ms, enabled };
      const ok = await this.item(result, 'tool', name, () =>
        this.tools.create(actor, server.id, validateInput(CreateToolDto, { ...input, change_summary: 'Imported' }), {
          changeSource: 'import',
          approvalStatus: trust.autoApprove ? undefined : 'pending_review',
        }),
      );
      if (ok) result.created.tools++;
    }
    for (const record of s.network_records) {
      const label = `${s.name}:${record.host}${record.port === null ? '' : `:${record.port}`}`;
      const input = () => validateInput(AllowedHostInputDto, record);
      if (!trust.verified) {
        const { origin } = trust;
        if (
          await this.item(result, 'network_record', label, async () => {
            await this.network.requestFromImport(actor, server.id, input(), origin);
            return true;
          })
        )
          result.pending_requests.push({ kind: 'network_record', name: label, reason: PENDING_REASON });
      } else if (
        await this.item(result, 'network_record', label, () => this.network.addAdminHost(actor, server.id, input()))
      )
        result.created.network_records++;
    }
  }

  /**
   * Module allowances are global. A verified document's are skipped (the admin allows
   * modules under /api/settings/modules); an unverified document's become pending requests.
   */
  private async importModuleRecords(names: string[], actor: Actor, trust: Trust, result: Result): Promise<void> {
    for (const name of names) {
      if (trust.verified) {
        const reason =
          'module allowances are global and are not imported; allow the module under /api/settings/modules';
        result.skipped.push({ kind: 'module_record', name, reason });
        continue;
      }
      const { origin } = trust;
      const outcome = await this.item(result, 'module_record', name, () =>
        this.modules.requestFromImport(actor, validateInput(ModuleNameDto, { module_name: name }), origin),
      );
      if (outcome === 'requested')
        result.pending_requests.push({ kind: 'module_record', name, reason: PENDING_REASON });
      else if (outcome === 'allowed')
        result.skipped.push({ kind: 'module_record', name, reason: 'the module is already allowed' });
      else if (outcome === 'pending')
        result.skipped.push({ kind: 'module_record', name, reason: 'a request for the module is already pending' });
    }
  }

  /**
   * Runs one item under a savepoint: a domain error (or a name taken concurrently) becomes
   * a `failed` line and the transaction carries on, so the answer lists every failure.
   */
  private async item<T>(
    result: Result,
    kind: ImportIssue['kind'],
    name: string,
    fn: () => Promise<T>,
  ): Promise<T | null> {
    try {
      return await this.uow.savepoint(fn);
    } catch (err) {
      if (err instanceof DomainError) result.failed.push({ kind, name, reason: err.message });
      else if (isUniqueViolation(err)) result.failed.push({ kind, name, reason: 'the name is already taken' });
      else throw err;
      return null;
    }
  }

  private policyAutoApproves(): boolean {
    return this.settings.get('tool_approval_mode') === 'auto_approve';
  }
}
