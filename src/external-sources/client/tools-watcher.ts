import type { SourceConnection } from './source-connection';
import type { SourceEvent } from './source-options';

export interface WatcherDeps {
  /** Opens a connection that may hold the notification stream. */
  open: (signal: AbortSignal) => Promise<SourceConnection>;
  /** Time allowed to open a 2026 listen stream. */
  timeoutMs: number;
  debounceMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  onChange: () => void;
  onEvent: (event: SourceEvent) => void;
  describe: (error: unknown) => string;
}

/**
 * Listens for the source's own `notifications/tools/list_changed` — on the GET stream of a
 * 2025 session (or the SSE stream), or on a 2026-07-28 `subscriptions/listen` stream — and
 * calls back, debounced. When the stream breaks it reconnects with back-off and then calls
 * back once more, since changes may have been missed meanwhile.
 */
export class ToolsChangedWatcher {
  private stopped = false;
  private readonly abort = new AbortController();
  private debounce?: NodeJS.Timeout;
  private conn?: SourceConnection;
  private readonly stoppedSignal: Promise<void>;
  private resolveStopped!: () => void;
  /** False once the source said it does not announce tool changes. */
  supported = true;
  private loop?: Promise<void>;

  constructor(private readonly deps: WatcherDeps) {
    this.stoppedSignal = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.resolveStopped();
    if (this.debounce) clearTimeout(this.debounce);
    await this.conn?.close();
    await this.loop;
  }

  private fire(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      if (this.stopped) return;
      this.deps.onEvent({ type: 'tools_changed' });
      this.deps.onChange();
    }, this.deps.debounceMs);
  }

  private async run(): Promise<void> {
    let delay = this.deps.retryMinMs;
    let heardBefore = false;
    while (!this.stopped) {
      let message = 'the notification stream ended';
      try {
        const conn = await this.deps.open(this.abort.signal);
        this.conn = conn;
        const lost = new Promise<void>((resolve) => {
          conn.onLost = resolve;
          if (conn.lost) resolve();
        });
        conn.client.setNotificationHandler('notifications/tools/list_changed', () => this.fire());
        let ended: Promise<unknown>;
        if (conn.era === 'modern') {
          const sub = await conn.client.listen({ toolsListChanged: true }, { timeout: this.deps.timeoutMs });
          if (!sub.honoredFilter.toolsListChanged) return this.unsupported(conn);
          ended = Promise.race([sub.closed, lost]);
        } else {
          if (!conn.client.getServerCapabilities()?.tools?.listChanged) return this.unsupported(conn);
          ended = lost;
        }
        // Reconnected: whatever changed while the stream was down was not announced.
        if (heardBefore) this.fire();
        heardBefore = true;
        delay = this.deps.retryMinMs;
        await Promise.race([ended, this.stoppedSignal]);
      } catch (error) {
        message = this.deps.describe(error);
      }
      await this.conn?.close();
      this.conn = undefined;
      if (this.stopped) break;
      this.deps.onEvent({ type: 'watch_lost', message, retryInMs: delay });
      await Promise.race([new Promise((r) => setTimeout(r, delay).unref()), this.stoppedSignal]);
      delay = Math.min(delay * 2, this.deps.retryMaxMs);
    }
  }

  private async unsupported(conn: SourceConnection): Promise<void> {
    this.supported = false;
    await conn.close();
    this.conn = undefined;
  }
}
