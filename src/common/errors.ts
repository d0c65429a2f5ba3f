/**
 * Domain errors thrown by services. One filter maps them to HTTP (common/http-exception.filter.ts),
 * and the MCP layer maps them to `isError` results: services never speak HTTP.
 */
export type DomainErrorKind =
  'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'rate_limited' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** Offending fields or extra facts, safe to show to the caller. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * Input that breaks its contract (a DTO's rules): every problem, each naming its field.
 * Over HTTP the problems are the `message` list, as Nest's validation pipe always answered;
 * elsewhere (MCP) the message is the problems joined.
 */
export class InputError extends DomainError {
  constructor(
    readonly problems: string[],
    fields: string[],
  ) {
    super('invalid', problems.join('; '), { fields });
    this.name = 'InputError';
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid', message, details);
export const notFound = (what: string, id: string) => new DomainError('not_found', `${what} ${id} not found`);
export const conflict = (message: string) => new DomainError('conflict', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const unauthorized = (message: string) => new DomainError('unauthorized', message);
export const unavailable = (message: string) => new DomainError('unavailable', message);
