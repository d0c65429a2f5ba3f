import { Logger, Module, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityService } from '../activity/activity.service';
import { LogRetentionService } from '../activity/retention/log-retention.service';
import { AppConfig } from '../config/app-config';
import { HealthService } from '../health/health.service';
import { moduleStoreDir } from '../health/checks/module-store.check';
import { MetricsService } from '../metrics/metrics.service';
import { ModuleStore } from '../modules/packages/module-store';
import { ModulesModule } from '../modules/modules.module';
import { ModulesService } from '../modules/modules.service';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { SecretsModule } from '../secrets/secrets.module';
import { ServersModule } from '../servers/servers.module';
import { ToolsModule } from '../tools/tools.module';
import { ToolExecutionLog } from './entities/tool-execution-log.entity';
import { ExecutionLogsService } from './execution-logs.service';
import { ExecutionStatsService } from './execution-stats.service';
import { ServerSnapshots } from './running-servers';
import { SandboxModules } from './sandbox-modules';
import type { RuntimeEvent } from './runtime/contract';
import { SandboxRuntime } from './runtime/sandbox-runtime';
import { SandboxController } from './sandbox.controller';
import { SandboxService } from './sandbox.service';
import { TestCodeController } from './test-code.controller';
import { ToolLogsController } from './tool-logs.controller';
import { ToolLogsService } from './tool-logs.service';
import { TestCodeService } from './test-code.service';
import { ToolExecutor } from './tool-executor';

const log = new Logger('SandboxRuntime');

/** Worker deaths and replacements are activity entries (docs/sandbox.md#processes-and-isolates): errors as `error`, the rest `system`. */
function recordRuntimeEvent(activity: ActivityService, e: RuntimeEvent): void {
  log[e.level === 'error' ? 'error' : e.level === 'warning' ? 'warn' : 'log']({ details: e.details }, e.message);
  void activity
    .record({
      logType: e.level === 'error' ? 'error' : 'system',
      level: e.level,
      message: e.message,
      details: e.details,
    })
    .catch((err: unknown) =>
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Could not record a sandbox runtime event'),
    );
}

/**
 * The sandbox: ONE runtime (a supervised pool of worker processes running isolated-vm),
 * started with the module and closed at shutdown after in-flight calls have ended and
 * their log rows are written.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ToolExecutionLog]), ServersModule, ToolsModule, SecretsModule, ModulesModule],
  controllers: [SandboxController, TestCodeController, ToolLogsController],
  providers: [
    {
      // The modules tool code may import: the allowed list and the store under <DATA_DIR>/modules.
      provide: SandboxModules,
      inject: [ModulesService, AppConfig],
      useFactory: (modules: ModulesService, config: AppConfig) =>
        new SandboxModules(() => modules.allowedModules(), new ModuleStore(moduleStoreDir(config.dataDir))),
    },
    {
      provide: SandboxRuntime,
      inject: [AppConfig, ActivityService, SandboxModules],
      useFactory: (config: AppConfig, activity: ActivityService, modules: SandboxModules) =>
        new SandboxRuntime({
          workers: config.sandbox.workers,
          memoryMb: config.sandbox.memoryMb,
          maxResultSize: config.sandbox.maxResultSize,
          maxConcurrency: config.sandbox.maxConcurrency,
          queueSize: config.sandbox.queueSize,
          onEvent: (e) => recordRuntimeEvent(activity, e),
          modules,
        }),
    },
    ServerSnapshots,
    ExecutionLogsService,
    ExecutionStatsService,
    ToolExecutor,
    SandboxService,
    TestCodeService,
    ToolLogsService,
  ],
  exports: [
    SandboxService,
    TestCodeService,
    ToolLogsService,
    ExecutionStatsService,
    SandboxModules,
    ExecutionLogsService,
  ],
})
export class SandboxModule implements OnModuleInit, BeforeApplicationShutdown {
  private unsubscribeModules?: () => void;

  constructor(
    private readonly modules: SandboxModules,
    private readonly changes: ServerChangesService,
    private readonly runtime: SandboxRuntime,
    private readonly health: HealthService,
    private readonly logs: ExecutionLogsService,
    private readonly retention: LogRetentionService,
    private readonly activity: ActivityService,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    // A change of the allowed modules counts for every server, running or not, from the next call on.
    this.unsubscribeModules = this.changes.subscribeModules(() => this.modules.reloadAllowedModules());
    await this.runtime.start();
    this.metrics.observeSandboxPool(() => this.runtime.stats());
    this.retention.register({
      table: 'tool_execution_logs',
      purgeBatch: (cutoff, n) => this.logs.purgeBefore(cutoff, n),
    });
    this.health.register('sandbox', async () => {
      const s = this.runtime.stats();
      const status = s.workers === 0 ? 'down' : s.queued >= s.queueSize ? 'degraded' : 'ok';
      return {
        status,
        details: {
          workers: s.workers,
          in_flight: s.inFlight,
          queued: s.queued,
          max_concurrency: s.maxConcurrency,
          queue_size: s.queueSize,
          worker_restarts: s.workerRestarts,
        },
      };
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribeModules?.();
    await this.runtime.close();
    // Calls failed by the close write their rows in the next turns of the event loop.
    await new Promise((r) => setImmediate(r));
    await this.logs.drain();
    // Their tool_execution activity entries too.
    await this.activity.drain();
  }
}
