import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { jsonInputProblem } from './json-input';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? m.replace(e.property, path) : `${path}: ${m}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/**
 * Whitelist and refuse unknown fields (nothing is dropped silently), transform to DTO
 * classes, and answer 400 with every offending field named.
 */
/**
 * Every body, query and path value is first checked for what would otherwise end as a
 * 500 deeper down (a NUL character, absurd nesting), then validated against its DTO.
 */
class InputValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problem = jsonInputProblem(value, metadata.type === 'body' ? '' : (metadata.data ?? ''));
      if (problem) throw new BadRequestException([problem]);
    }
    return super.transform(value, metadata);
  }

  /** A numeric path or query value is converted only from plain decimal digits: `1e3` or `0x10` stay strings and fail, never read as another number. */
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.metatype === Number && typeof value === 'string' && !/^-?\d+$/.test(value)) return value;
    return super.transformPrimitive(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
}
