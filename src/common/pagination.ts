import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;
/** Far beyond any real list, and small enough that the OFFSET it makes is a plain integer. */
export const MAX_PAGE = 1_000_000;

/**
 * `?page=1&page_size=50` (max 100), docs/architecture.md#lists. Extend it for list filters. Over REST the
 * validation pipe turns plain decimal digits into numbers (common/validation.ts).
 */
export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size?: number;
}

export interface PageRequest {
  page: number;
  pageSize: number;
  skip: number;
  take: number;
}

/** The rows a validated `PaginationQueryDto` asks for (defaults: page 1, 50 per page). */
export function pageRequest(q: PaginationQueryDto = {}): PageRequest {
  const page = q.page ?? 1;
  const pageSize = q.page_size ?? 50;
  return { page, pageSize, skip: (page - 1) * pageSize, take: pageSize };
}

/** The list envelope `{items, total, page, page_size, pages}`. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  pages: number;
}

export function toPage<T>(items: T[], total: number, req: PageRequest): Page<T> {
  return { items, total, page: req.page, page_size: req.pageSize, pages: Math.ceil(total / req.pageSize) };
}

export class PageMetaDto {
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() page_size: number;
  @ApiProperty() pages: number;
}

/** Swagger: a 200 response holding the envelope around `model`. */
export function ApiPageResponse(model: Type<unknown>) {
  return applyDecorators(
    ApiExtraModels(PageMetaDto, model),
    ApiOkResponse({
      schema: {
        allOf: [
          { $ref: getSchemaPath(PageMetaDto) },
          { properties: { items: { type: 'array', items: { $ref: getSchemaPath(model) } } }, required: ['items'] },
        ],
      },
    }),
  );
}
