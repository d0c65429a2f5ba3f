import { ApiParam } from '@nestjs/swagger';

/**
 * Swagger: a path id (`{id}`), a UUID; `uuidParam(name)` checks it (400 otherwise). Every
 * id-like path parameter carries `format: uuid` (test/e2e/openapi.e2e-spec.ts checks it).
 */
export const ApiIdParam = (what: string, name = 'id'): MethodDecorator & ClassDecorator =>
  ApiParam({ name, type: String, format: 'uuid', description: `${what} id (a UUID)` });
