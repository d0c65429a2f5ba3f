import type { ApiPropertyOptions } from '@nestjs/swagger';

/**
 * Swagger: a property that holds any JSON value (null included), e.g. what a tool returned.
 * Without it `@ApiProperty` on an `unknown` reads the design type and documents an object.
 * Integers are numbers: the five branches never overlap, as `oneOf` requires.
 */
export const anyJsonValue = (description: string): ApiPropertyOptions => ({
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'object' },
    { type: 'array', items: {} },
  ],
  nullable: true,
  description,
});
