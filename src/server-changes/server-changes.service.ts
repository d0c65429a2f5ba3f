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

/**
 * The allowed modules changed (they are global, not a server's): published by ModulesService
 * after every recompute of `global_config.allowed_modules` whose outcome or bundles changed,
 * after the commit. The sandbox drops modules no longer allowed and loads new or updated
 * bundles from the module store (`<DATA_DIR>/modules`) in every running server.
 */
export interface ModulesChange {
  /** `global_config.allowed_modules` after the change, sorted. */
  allowed: string[];
  /** Newly allowed. */
  added: string[];
  /** No longer allowed (revoked for every tool). */
  removed: string[];
  /** Still allowed, with a new bundle in the store (a reinstall or another version). */
  updated: string[];
}

type ModulesListener = (change: ModulesChange) => void | Promise<void>;

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
    return listen(this.listeners, listener);
  }

  /**
   * Outside a transaction: delivers now and awaits every listener, so a caller knows the
   * change is live when this returns. Inside one: after the commit (UnitOfWork.run awaits it).
   */
  publish(change: ServerChange): Promise<void> {
    return this.uow.afterCommit(() => this.deliver(this.listeners, change, 'Server change'));
  }

  subscribeModules(listener: ModulesListener): () => void {
    return listen(this.modulesListeners, listener);
  }

  /** As `publish`, for the global allowed-modules list. */
  publishModules(change: ModulesChange): Promise<void> {
    return this.uow.afterCommit(() => this.deliver(this.modulesListeners, change, 'Modules change'));
  }

  /** Every listener, awaited together; one that throws is logged and costs the others nothing. */
  private async deliver<C>(
    listeners: Set<(change: C) => void | Promise<void>>,
    change: C,
    what: string,
  ): Promise<void> {
    await Promise.all(
      [...listeners].map(async (listener) => {
        try {
          await listener(change);
        } catch (err) {
          this.log.error({ err, change }, `${what} listener failed`);
        }
      }),
    );
  }
}

function listen<L>(listeners: Set<L>, listener: L): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
