import { Injectable, Logger } from '@nestjs/common';

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

/** Services publish after their transaction has committed; listeners must not throw. */
@Injectable()
export class ServerChangesService {
  private readonly log = new Logger(ServerChangesService.name);
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Awaits every listener, so a caller knows the change is live when this returns. */
  async publish(change: ServerChange): Promise<void> {
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
