import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, InputError, type DomainErrorKind } from './errors';

const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own client errors (bad JSON, body too large, wrong content type) keep their 4xx. */
function fastifyClientError(err: unknown): { status: number; message: string } | undefined {
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (typeof e?.code !== 'string' || !e.code.startsWith('FST_')) return undefined;
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : undefined;
  if (!status) return undefined;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status, message: 'Request body is too large (the limit is 1 MiB; 32 MiB for an import)' };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { status, message: 'Unsupported content type; send application/json' };
  if (e.code.startsWith('FST_ERR_CTP')) return { status, message: 'Malformed request body' };
  return { status, message: e.message ?? 'Bad request' };
}

function isJsonSyntaxError(err: unknown): boolean {
  return err instanceof SyntaxError && (err as { statusCode?: number }).statusCode === 400;
}

/** What the activity trail learns of an unhandled error: where, and its kind — not its message, which may quote data. */
export interface ServerErrorReport {
  method: string;
  /** The route's pattern (`/api/tools/:id`). */
  route: string | null;
  errorType: string;
}

/** The one place errors become HTTP responses: `{statusCode, error, message}`; never a stack. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('Errors');

  /** `onServerError` hears of every 500 (bootstrap records it as an `error` activity entry). */
  constructor(private readonly onServerError?: (report: ServerErrorReport) => void) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = this.describe(exception);
    // Name, message and stack only: a driver error's own fields (query parameters) stay out of the log.
    if (status >= 500) {
      this.log.error({ err: describeForLog(exception) }, 'Unhandled error');
      const request = host.switchToHttp().getRequest<FastifyRequest | undefined>();
      this.onServerError?.({
        method: request?.method ?? '?',
        route: request?.routeOptions?.url ?? null,
        errorType: exception instanceof Error ? exception.name : typeof exception,
      });
    }
    for (const [k, v] of Object.entries(headers ?? {})) reply.header(k, v);
    void reply.status(status).send(body);
  }

  private describe(exception: unknown): {
    status: number;
    body: Record<string, unknown>;
    headers?: Record<string, string>;
  } {
    // Input that broke its DTO: the list of problems, as the validation pipe has always answered.
    if (exception instanceof InputError)
      return { status: 400, body: { statusCode: 400, error: REASON[400], message: exception.problems } };
    if (exception instanceof DomainError) {
      const status = STATUS_BY_KIND[exception.kind];
      const headers =
        exception.kind === 'rate_limited' && exception.details?.retry_after !== undefined
          ? { 'retry-after': String(exception.details.retry_after) }
          : undefined;
      return {
        status,
        headers,
        body: {
          statusCode: status,
          error: REASON[status],
          message: exception.message,
          ...(exception.details ? { details: exception.details } : {}),
        },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? exception.message);
      return { status, body: { statusCode: status, error: REASON[status] ?? 'Error', message } };
    }
    const fst = fastifyClientError(exception);
    if (fst)
      return {
        status: fst.status,
        body: { statusCode: fst.status, error: REASON[fst.status] ?? 'Bad Request', message: fst.message },
      };
    if (isJsonSyntaxError(exception))
      return {
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: 'Malformed JSON in request body' },
      };
    return { status: 500, body: { statusCode: 500, error: REASON[500], message: 'Internal server error' } };
  }
}

function describeForLog(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { type: err.name, message: err.message, stack: err.stack } : { message: String(err) };
}
