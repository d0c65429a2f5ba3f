import { DomainError, InputError } from './errors';

/**
 * The one mapping of errors to what an MCP client reads in an `isError` tool result (its
 * HTTP twin is http-exception.filter.ts): the service's own words, which name the field
 * or the state, plus what to do next. Never a stack trace; an unexpected failure says
 * only that it happened.
 */
export function toolErrorText(err: unknown): string {
  if (err instanceof InputError) return `Invalid arguments: ${err.problems.join('; ')}. Fix them and call again.`;
  if (err instanceof DomainError) {
    switch (err.kind) {
      case 'not_found':
        return `${err.message}. Check the id (mcpbox_list_servers, mcpbox_list_tools).`;
      case 'unavailable':
      case 'rate_limited':
        return `${err.message}. Try again shortly.`;
      default:
        return err.message;
    }
  }
  return 'The operation failed with an internal error; nothing was changed that you can see. Try again, or ask the admin to check the server log.';
}
