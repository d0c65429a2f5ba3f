import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { DatabaseLocation } from '../database/database.module';

export type ServiceState = 'ok' | 'degraded' | 'down';

export interface ServiceHealth {
  name: string;
  status: ServiceState;
  latency_ms: number;
  details?: Record<string, unknown>;
  error?: string;
}

export type HealthCheck = () => Promise<Omit<ServiceHealth, 'name' | 'latency_ms'>>;

/** Named checks; feature modules (sandbox pool, module store) register theirs at start-up. */
@Injectable()
export class HealthService {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly startedAt = Date.now();

  constructor(@InjectDataSource() db: DataSource, location: DatabaseLocation) {
    this.register('database', async () => {
      await db.query('SELECT 1');
      return { status: 'ok', details: { embedded: location.isEmbedded } };
    });
  }

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  get uptimeSeconds(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }

  async services(): Promise<ServiceHealth[]> {
    return Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const started = performance.now();
        try {
          const result = await withTimeout(check(), 5000);
          return { name, ...result, latency_ms: round(performance.now() - started) };
        } catch (err) {
          // Only the error's kind and message: never connection strings or secrets.
          return {
            name,
            status: 'down' as const,
            latency_ms: round(performance.now() - started),
            error: safeMessage(err),
          };
        }
      }),
    );
  }

  /** Every service, as a page of the list envelope. */
  async list(query: PaginationQueryDto): Promise<Page<ServiceHealth>> {
    const req = pageRequest(query);
    const all = await this.services();
    return toPage(all.slice(req.skip, req.skip + req.take), all.length, req);
  }

  overall(services: ServiceHealth[]): ServiceState {
    if (services.some((s) => s.name === 'database' && s.status === 'down')) return 'down';
    return services.every((s) => s.status === 'ok') ? 'ok' : 'degraded';
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

function safeMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/postgres(ql)?:\/\/\S+/gi, 'postgres://…').slice(0, 200);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`check timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
