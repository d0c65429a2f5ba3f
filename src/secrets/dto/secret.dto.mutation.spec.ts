import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateInput } from '../../common/contract/validate-input';
import { InputError } from '../../common/errors';
import type { ServerSecret } from '../entities/server-secret.entity';
import {
  CreateSecretDto,
  mapSecret,
  SECRET_DESCRIPTION_MAX,
  SECRET_KEY_MAX,
  SECRET_VALUE_MAX_BYTES,
  SecretKeyDto,
  SetSecretValueDto,
} from './secret.dto';

// The secret rules are the DTOs' decorators, run by validateInput (the API, the MCP tools and
// the import alike). Each refusal says why and names its field, so a 400 points at the right
// input (issue 13).
const refusedWith = (dto: Parameters<typeof validateInput>[0], input: unknown, problems: string[], field: string) =>
  assert.throws(
    () => validateInput(dto, input),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.kind, 'invalid');
      assert.deepEqual([...e.problems].sort(), [...problems].sort());
      assert.deepEqual(e.details, { fields: [field] });
      return true;
    },
    JSON.stringify(input)?.slice(0, 80),
  );

const REQUIRED = 'key_name is required';
const LENGTH = 'key_name must be 1 to 128 characters';
const PATTERN = 'key_name must match ^[A-Z][A-Z0-9_]*$ (upper case letters, digits and _, starting with a letter)';
const key = (k: unknown) => validateInput(SecretKeyDto, { key_name: k }).key_name;

describe('SecretKeyDto (the key of every secret route, and of CreateSecretDto)', () => {
  it('a missing key name is required (and so fails the length and the pattern too)', () => {
    for (const k of [undefined, null, 7, ['A']])
      refusedWith(SecretKeyDto, { key_name: k }, [REQUIRED, LENGTH, PATTERN], 'key_name');
    refusedWith(SecretKeyDto, {}, [REQUIRED, LENGTH, PATTERN], 'key_name');
    refusedWith(SecretKeyDto, { key_name: '' }, [LENGTH, PATTERN], 'key_name');
  });

  it('at most 128 characters', () => {
    assert.equal(SECRET_KEY_MAX, 128);
    assert.equal(key('K'.repeat(128)), 'K'.repeat(128));
    refusedWith(SecretKeyDto, { key_name: 'K'.repeat(129) }, [LENGTH], 'key_name');
  });

  it('upper case letters, digits and _, starting with a letter', () => {
    for (const k of ['api_key', '1A', '_A', 'A-B', 'A B', 'A\n', 'AÄ'])
      refusedWith(SecretKeyDto, { key_name: k }, [PATTERN], 'key_name');
    assert.equal(key('A'), 'A');
    assert.equal(key('API_KEY_2'), 'API_KEY_2');
  });

  it('CreateSecretDto has the same key rule', () => {
    refusedWith(CreateSecretDto, { key_name: 'api_key' }, [PATTERN], 'key_name');
    refusedWith(CreateSecretDto, {}, [REQUIRED, LENGTH, PATTERN], 'key_name');
  });
});

describe('SetSecretValueDto', () => {
  const value = (v: unknown) => validateInput(SetSecretValueDto, { value: v }).value;
  const NOT_A_STRING = ['value must be a string', 'value must not be empty', 'value must be at most 65536 bytes'];

  it('a string that is not empty', () => {
    for (const v of [undefined, null, 42, {}, Buffer.from('x')])
      refusedWith(SetSecretValueDto, { value: v }, NOT_A_STRING, 'value');
    refusedWith(SetSecretValueDto, { value: '' }, ['value must not be empty'], 'value');
    assert.equal(value('x'), 'x');
  });

  it('at most 64 KiB of UTF-8, counted in bytes, not characters', () => {
    assert.equal(SECRET_VALUE_MAX_BYTES, 65536);
    const tooBig = ['value must be at most 65536 bytes'];
    assert.equal(value('x'.repeat(65536)).length, 65536);
    refusedWith(SetSecretValueDto, { value: 'x'.repeat(65537) }, tooBig, 'value');
    // 21845 × 3 bytes = 65535: fits; one more € is 65538 bytes in 21846 characters.
    assert.equal(value('€'.repeat(21845)).length, 21845);
    assert.equal(value(`${'€'.repeat(21845)}x`).length, 21846);
    refusedWith(SetSecretValueDto, { value: '€'.repeat(21846) }, tooBig, 'value');
    refusedWith(SetSecretValueDto, { value: `${'€'.repeat(21845)}xx` }, tooBig, 'value');
  });
});

describe('CreateSecretDto description', () => {
  const description = (d: unknown) => validateInput(CreateSecretDto, { key_name: 'K', description: d }).description;
  const WRONG = ['description must be a string of at most 1000 characters, without NUL'];

  it('absent or null: no description', () => {
    assert.equal(validateInput(CreateSecretDto, { key_name: 'K' }).description, undefined);
    assert.equal(description(null), null);
  });

  it('a string of at most 1000 characters', () => {
    assert.equal(SECRET_DESCRIPTION_MAX, 1000);
    assert.equal(description('d'.repeat(1000)), 'd'.repeat(1000));
    assert.equal(description(''), '');
    refusedWith(CreateSecretDto, { key_name: 'K', description: 'd'.repeat(1001) }, WRONG, 'description');
    for (const d of [3, true, {}])
      refusedWith(CreateSecretDto, { key_name: 'K', description: d }, WRONG, 'description');
  });
});

describe('mapSecret (what anyone may see of a secret)', () => {
  const stored = (encryptedValue: string | null, description: string | null = 'What it is for') =>
    ({
      id: '11111111-1111-4111-8111-111111111111',
      serverId: '22222222-2222-4222-8222-222222222222',
      keyName: 'API_KEY',
      encryptedValue,
      description,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-02-02T12:00:00Z'),
    }) as ServerSecret;

  it('shows the key, the description and whether a value is set, never the (sealed) value', () => {
    const view = mapSecret(stored('v1:SEALED-CIPHERTEXT'));
    assert.deepEqual(view, {
      id: '11111111-1111-4111-8111-111111111111',
      key_name: 'API_KEY',
      description: 'What it is for',
      has_value: true,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-02-02T12:00:00.000Z',
    });
    assert.ok(!JSON.stringify(view).includes('SEALED'));
  });

  it('a placeholder has no value', () => {
    assert.deepEqual(mapSecret(stored(null, null)), {
      id: '11111111-1111-4111-8111-111111111111',
      key_name: 'API_KEY',
      description: null,
      has_value: false,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-02-02T12:00:00.000Z',
    });
  });

  it('an empty sealed value is still a value (only null is a placeholder)', () => {
    assert.equal(mapSecret(stored('')).has_value, true);
  });
});
