/**
 * A token bucket per client: `perMinute` requests a minute, refilled continuously, with a
 * burst of the same size. Buckets that are full again are forgotten, so the map holds
 * only clients seen in the last minute.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastPrune = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request from the client's bucket: null when allowed, else the seconds to wait. */
  take(key: string, perMinute: number): number | null {
    const now = this.now();
    const rate = perMinute / 60_000;
    this.prune(now, perMinute, rate);
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number, perMinute: number, rate: number): void {
    if (now - this.lastPrune < 10_000) return;
    this.lastPrune = now;
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * rate >= perMinute) this.buckets.delete(key);
  }
}
