import { ActivityLog } from '../activity/entities/activity-log.entity';
import { ModuleRequest } from '../modules/entities/module-request.entity';
import { NetworkAccessRequest } from '../network-access/entities/network-access-request.entity';
import { AdminUser } from '../auth/entities/admin-user.entity';
import { RevokedToken } from '../auth/entities/revoked-token.entity';
import { ExternalMcpSource } from '../external-sources/entities/external-mcp-source.entity';
import { ToolExecutionLog } from '../sandbox/entities/tool-execution-log.entity';
import { ServerSecret } from '../secrets/entities/server-secret.entity';
import { Server } from '../servers/entities/server.entity';
import { GlobalConfig } from '../modules/entities/global-config.entity';
import { Setting } from '../settings/entities/setting.entity';
import { ToolVersion } from '../tools/entities/tool-version.entity';
import { Tool } from '../tools/entities/tool.entity';

/** Every entity of docs/architecture.md#data-model, registered once with the data source. */
export const ENTITIES = [
  AdminUser,
  RevokedToken,
  Server,
  Tool,
  ToolVersion,
  ServerSecret,
  ExternalMcpSource,
  ModuleRequest,
  NetworkAccessRequest,
  GlobalConfig,
  Setting,
  ActivityLog,
  ToolExecutionLog,
];
