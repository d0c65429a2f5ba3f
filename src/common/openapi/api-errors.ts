import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse } from '@nestjs/swagger';
import { BODY_LIMIT_BYTES } from '../limits';
import { ErrorResponseDto } from './error-response.dto';

/** The error statuses the Admin API answers with (HttpExceptionFilter), each with its usual meaning. */
export const ERROR_DESCRIPTIONS = {
  400: 'Invalid input: malformed JSON, or input that breaks its rules (the message lists every problem, each naming its field)',
  401: 'Missing, invalid, expired or revoked access token',
  403: 'Forbidden by policy',
  404: 'Not found',
  409: 'Conflicts with the current state (the message says which)',
  413: `Request body over ${BODY_LIMIT_BYTES / 1024 / 1024} MiB (any request, whatever its method), or a JSON body of more than 100 000 values and keys`,
  415: 'Request body of another content type than application/json',
  429: 'Too many requests (the Retry-After header and details.retry_after say when to try again)',
  503: 'Temporarily unavailable: try again later',
} as const;

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** A status with its usual description, or statuses with the description this operation gives them. */
export type ErrorSpec = ErrorStatus | Partial<Record<ErrorStatus, string>>;

/**
 * Swagger: the error answers of an operation (or of every operation of a controller), each
 * with the `ErrorResponseDto` body the exception filter sends. A later (method-level)
 * description of the same status replaces an earlier (class-level) one.
 *
 *   @ApiErrors(400, 415, { 404: 'No such tool', 409: 'Another tool of the server has this name' })
 *
 * Every operation documents 413 (the body limit applies to any request: `Public` routes
 * declare it, `Authenticated()` does it with 401); operations with a body method
 * (POST, PUT, PATCH, DELETE) also 400 and 415. `test/e2e/openapi.e2e-spec.ts` probes every
 * route and fails on a status that is not documented.
 */
export function ApiErrors(...specs: ErrorSpec[]): MethodDecorator & ClassDecorator {
  const descriptions = new Map<ErrorStatus, string>();
  for (const spec of specs) {
    if (typeof spec === 'number') descriptions.set(spec, ERROR_DESCRIPTIONS[spec]);
    else
      for (const [status, description] of Object.entries(spec))
        descriptions.set(Number(status) as ErrorStatus, description);
  }
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...[...descriptions].map(([status, description]) => ApiResponse({ status, description, type: ErrorResponseDto })),
  );
}
