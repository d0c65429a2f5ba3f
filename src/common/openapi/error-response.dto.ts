import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The body of every error answer of the Admin API, as `HttpExceptionFilter` sends it
 * (`http-exception.filter.ts`, the one place errors become HTTP responses).
 */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 404, description: 'The HTTP status code, repeated' })
  statusCode: number;

  @ApiProperty({ example: 'Not Found', description: 'The reason phrase of the status code' })
  error: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Tool 5f0c7a52-5d8e-4b7a-9f43-2f1f3a0c9a11 not found',
    description:
      'What went wrong, safe to show: one sentence, or for input that breaks its rules (400) the list of every problem, each naming its field',
  })
  message: string | string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { fields: ['name'] },
    description:
      'Extra facts of some errors: `fields` (the offending fields), `retry_after` (seconds, 429, also the Retry-After header), `failed` (the import items that failed)',
  })
  details?: Record<string, unknown>;
}
