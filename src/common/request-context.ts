import { AsyncLocalStorage } from 'node:async_hooks';
import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

interface RequestScope {
  /** Fastify's `request.id` (the caller's X-Request-Id when sane, else a UUID; see request-id.ts). */
  requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/**
 * The request a piece of work belongs to, without passing it down every call: the
 * activity log stamps each entry with it. HTTP requests get their scope from a Fastify
 * hook; the MCP gateway and the activity stream open theirs with `runInRequestScope`.
 */
export const currentRequestId = (): string | undefined => scope.getStore()?.requestId;

export function runInRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId }, fn);
}

/**
 * Opens the scope of every HTTP request. `preHandler` runs after the body is parsed and
 * calls the route handler (Nest's guards, pipes and controller) from within `done`, so
 * everything the handler does, awaited or not, carries the scope.
 */
@Module({})
export class RequestContextModule {
  constructor(adapterHost: HttpAdapterHost) {
    const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('preHandler', (request, _reply, done) => scope.run({ requestId: String(request.id) }, done));
  }
}
