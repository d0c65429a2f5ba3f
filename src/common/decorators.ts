import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { adminActor, type Actor } from './actor';
import { ApiErrors } from './openapi/api-errors';

export const IS_PUBLIC = 'mcpbox:public';

/** Marks a route as open: the global JWT guard lets it through without a token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Swagger: the route needs the bearer token (the guard is global; this documents it), so it
 * may answer 401; and 413, as every route may (see ApiErrors).
 */
export const Authenticated = () => applyDecorators(ApiBearerAuth(), ApiErrors(401, 413));

/** The authenticated admin as the JWT guard found it. */
export interface AuthUser {
  id: string;
  username: string;
  jti: string;
  family: string;
  expiresAt: Date;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest<{ user: AuthUser }>().user,
);

/** The caller as services take it: over the Admin API, the authenticated admin. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor =>
  adminActor(ctx.switchToHttp().getRequest<{ user: AuthUser }>().user.username),
);
