import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { clientKey } from '../common/client-key';
import { DomainError } from '../common/errors';

const WINDOW_MS = 60_000;

/** Sliding one-minute window of login attempts per client address (docs/architecture.md#auth-and-tokens: 5/min/IP). */
@Injectable()
export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>();
  private readonly limit: number;

  constructor(config: AppConfig) {
    this.limit = config.loginRateLimitPerMinute;
  }

  /** Counts one attempt, or throws `rate_limited` with `retry_after` seconds. */
  hit(address: string, now = Date.now()): void {
    const client = clientKey(address);
    const recent = (this.attempts.get(client) ?? []).filter((t) => now - t < WINDOW_MS);
    if (recent.length >= this.limit) {
      this.attempts.set(client, recent);
      const retryAfter = Math.max(1, Math.ceil((recent[0] + WINDOW_MS - now) / 1000));
      throw new DomainError('rate_limited', `Too many login attempts; try again in ${retryAfter} s`, {
        retry_after: retryAfter,
      });
    }
    recent.push(now);
    this.attempts.set(client, recent);
    if (this.attempts.size > 10_000) this.prune(now);
  }

  private prune(now: number): void {
    for (const [client, times] of this.attempts)
      if (!times.some((t) => now - t < WINDOW_MS)) this.attempts.delete(client);
  }
}
