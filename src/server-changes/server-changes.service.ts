import { Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';

/**
 * What changed on a server. Listeners: the sandbox (reloads a running server's tools,
 * secrets and network allowances without a restart) and, later, the MCP gateway
 * (tells clients the visible tool set changed).
 */
export type ServerChangeKind = 'tools' | 'secrets' | 'network' | 'server' | 'lifecycle' | 'deleted';

export interface ServerChange {
  serverId: string;
  kind: ServerChangeKind;
  /** The tool concerned, when one is. */
  toolId?: string;
}

type Listener = (change: ServerChange) => void | Promise<void>;
/** Told that the allowed modules changed: global, for every server at once. */
type ModulesListener = () => void | Promise<void>;

/**
 * Services publish where the change happens; inside a unit of work the event waits for
 * the commit (and is dropped on rollback), so a listener never sees a change that did not
 * happen. Listeners must not throw.
 */
@Injectable()
export class ServerChangesService {
  private readonly log = new Logger(ServerChangesService.name);
  private readonly listeners = new Set<Listener>();
  private readonly modulesListeners = new Set<ModulesListener>();

  constructor(private readonly uow: UnitOfWork) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Outside a transaction: delivers now and awaits every listener, so a caller knows the
   * change is live when this returns. Inside one: after the commit (UnitOfWork.run awaits it).
   */
  publish(change: ServerChange): Promise<void> {
    return this.uow.afterCommit(() => this.deliver(change));
  }

  /** Listens for "modules changed" (the sandbox reloads the modules tool code may import). */
  subscribeModules(listener: ModulesListener): () => void {
    this.modulesListeners.add(listener);
    return () => this.modulesListeners.delete(listener);
  }

  /**
   * "Modules changed": `global_config.allowed_modules` was recomputed, or a module was
   * installed, replaced or removed. Delivered like `publish` (after the commit inside a unit of work).
   */
  publishModulesChanged(): Promise<void> {
    return this.uow.afterCommit(async () => {
      await Promise.all(
        [...this.modulesListeners].map(async (listener) => {
          try {
            await listener();
          } catch (err) {
            this.log.error({ err }, 'Modules change listener failed');
          }
        }),
      );
    });
  }

  private async deliver(change: ServerChange): Promise<void> {
    await Promise.all(
      [...this.listeners].map(async (listener) => {
        try {
          await listener(change);
        } catch (err) {
          this.log.error({ err, change }, 'Server change listener failed');
        }
      }),
    );
  }
}
