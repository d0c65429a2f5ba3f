import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiProperty, IntersectionType, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CreateServerDto, UpdateServerDto } from '../../servers/dto/server.dto';
import { ServerIdDto } from './ids.dto';
import { inputJsonSchema } from './input-json-schema';
import { OptionalNotNull } from './input-rules';

class Item {
  @ApiProperty({ description: 'Item name' }) @IsString() name: string;
}

class WithNested {
  @IsArray() @ArrayMaxSize(3) @ValidateNested({ each: true }) @Type(() => Item) items: Item[];
  @OptionalNotNull() @IsArray() @IsInt({ each: true }) @Min(0, { each: true }) counts?: number[];
  @IsOptional() @IsIn(['a', 'b']) pick?: 'a' | 'b' | null;
}

describe('inputJsonSchema', () => {
  it('gives an object schema with properties, required fields, no additional properties and descriptions', () => {
    const schema = inputJsonSchema(CreateServerDto);
    assert.equal(schema.type, 'object');
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ['name']);
    const props = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(props), ['name', 'description', 'default_timeout_ms']);
    assert.equal(props.name.type, 'string');
    assert.equal(props.name.maxLength, 64);
    assert.equal(props.name.pattern, '^[a-z][a-z0-9_]*$');
    assert.match(String(props.name.description), /Lower case letters/);
    assert.deepEqual(props.description.type, ['string', 'null'], 'IsOptional lets null through');
    assert.deepEqual(
      {
        type: props.default_timeout_ms.type,
        minimum: props.default_timeout_ms.minimum,
        maximum: props.default_timeout_ms.maximum,
      },
      { type: 'integer', minimum: 1000, maximum: 300000 },
      'OptionalNotNull: optional, null not allowed',
    );
    assert.equal(props.default_timeout_ms.default, 30000);
  });

  it('turns a class-level "at least one of" into anyOf', () => {
    assert.deepEqual(inputJsonSchema(UpdateServerDto).anyOf, [
      { required: ['name'] },
      { required: ['description'] },
      { required: ['default_timeout_ms'] },
    ]);
  });

  it('follows IntersectionType compositions (path ids + body), with both sets of rules', () => {
    const schema = inputJsonSchema(IntersectionType(ServerIdDto, UpdateServerDto));
    const props = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(props), ['server_id', 'name', 'description', 'default_timeout_ms']);
    assert.equal(props.server_id.format, 'uuid');
    assert.deepEqual(schema.required, ['server_id']);
    assert.ok(Array.isArray(schema.anyOf));
  });

  it('describes nested classes, arrays with each and nullable enums', () => {
    const schema = inputJsonSchema(WithNested);
    const props = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(props.items, {
      type: 'array',
      maxItems: 3,
      items: {
        type: 'object',
        properties: { name: { type: 'string', description: 'Item name' } },
        required: ['name'],
        additionalProperties: false,
      },
    });
    assert.deepEqual(props.counts, { type: 'array', items: { type: 'integer', minimum: 0 } });
    assert.deepEqual(props.pick, { enum: ['a', 'b', null] });
    assert.deepEqual(schema.required, ['items']);
  });

  it('takes the mapped types (PartialType) as optional properties', () => {
    const schema = inputJsonSchema(PartialType(CreateServerDto));
    assert.equal(schema.required, undefined);
  });

  it('throws on a rule it cannot express instead of emitting a looser schema', () => {
    class Email {
      @IsEmail() email: string;
    }
    class Conditional {
      @IsString() kind: string;
      @ValidateIf((o: Conditional) => o.kind === 'x') @IsString() detail?: string;
    }
    class Transformed {
      @Transform(({ value }: { value: unknown }) => Number(value)) @IsInt() n: number;
    }
    class Flags {
      @Matches(/^abc$/i) code: string;
    }
    class Untyped {
      @ValidateNested() item: Item;
    }
    class Bounds {
      @IsInt() @Min(1) @Max(3) ok: number;
    }
    assert.throws(() => inputJsonSchema(Email), /Email\.email uses @isEmail/);
    assert.throws(() => inputJsonSchema(Conditional), /ValidateIf/);
    assert.throws(() => inputJsonSchema(Transformed), /Transform/);
    assert.throws(() => inputJsonSchema(Flags), /flags "i"/);
    assert.throws(() => inputJsonSchema(Untyped), /@Type/);
    assert.doesNotThrow(() => inputJsonSchema(Bounds));
  });
});
