import type { ServerResponse } from 'node:http';

/**
 * Open 2026-07-28 `subscriptions/listen` streams, capped in all and per client: each holds a
 * connection for as long as its client likes, and the SDK keeps no count of them (2025
 * sessions have MCP_MAX_SESSIONS). A stream counts until its response closes.
 */
export class StreamQuota {
  private total = 0;
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerClient: number,
  ) {}

  /** Counts the stream in (until `res` closes); null, or why it is refused. A `null` client counts in the total only. */
  open(client: string | null, res: ServerResponse): string | null {
    const mine = client === null ? 0 : (this.perClient.get(client) ?? 0);
    if (mine >= this.maxPerClient)
      return `Too many open listen streams for this client (the limit is ${this.maxPerClient}); close one first`;
    if (this.total >= this.maxTotal)
      return `Too many open listen streams (the limit is ${this.maxTotal}, MCP_MAX_LISTEN_STREAMS); try again later`;
    this.total++;
    if (client === null) {
      res.once('close', () => this.total--);
      return null;
    }
    this.perClient.set(client, mine + 1);
    res.once('close', () => {
      this.total--;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    });
    return null;
  }

  get size(): number {
    return this.total;
  }
}
