import { InitialSchema1764166000000 } from './1764166000000-initial-schema';
import { McpFeatures1764900000000 } from './1764900000000-mcp-features';
import { ActivityIndexes1767225600000 } from './1767225600000-activity-indexes';
import { ModuleRequests1767300000000 } from './1767300000000-module-requests';
import { ExternalSources1767400000000 } from './1767400000000-external-sources';

/** Checked-in migrations, in order; run at start-up. */
export const MIGRATIONS = [
  InitialSchema1764166000000,
  McpFeatures1764900000000,
  ActivityIndexes1767225600000,
  ModuleRequests1767300000000,
  ExternalSources1767400000000,
];
