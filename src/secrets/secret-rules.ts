import { invalid } from '../common/errors';
import { SECRET_KEY_PATTERN } from '../common/limits';

export const SECRET_KEY_MAX = 128;
/** A value is at most 64 KiB of UTF-8: enough for a PEM key or a service-account JSON. */
export const SECRET_VALUE_MAX_BYTES = 64 * 1024;
export const SECRET_DESCRIPTION_MAX = 1000;

/** The one rule for key names (SPEC §3); the DTOs and the MCP tools both end up here. */
export function checkSecretKey(keyName: unknown): string {
  if (typeof keyName !== 'string' || keyName.length === 0)
    throw invalid('key_name is required', { fields: ['key_name'] });
  if (keyName.length > SECRET_KEY_MAX)
    throw invalid(`key_name must be at most ${SECRET_KEY_MAX} characters`, { fields: ['key_name'] });
  if (!SECRET_KEY_PATTERN.test(keyName)) {
    throw invalid(
      `key_name must match ${SECRET_KEY_PATTERN.source} (upper case letters, digits and _, starting with a letter)`,
      { fields: ['key_name'] },
    );
  }
  return keyName;
}

/** Messages never quote the value: it is the one thing that must not leave the server. */
export function checkSecretValue(value: unknown): string {
  if (typeof value !== 'string') throw invalid('value must be a string', { fields: ['value'] });
  if (value.length === 0) throw invalid('value must not be empty', { fields: ['value'] });
  if (Buffer.byteLength(value, 'utf8') > SECRET_VALUE_MAX_BYTES)
    throw invalid(`value must be at most ${SECRET_VALUE_MAX_BYTES} bytes`, { fields: ['value'] });
  return value;
}

export function checkSecretDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null;
  if (typeof description !== 'string') throw invalid('description must be a string', { fields: ['description'] });
  if (description.length > SECRET_DESCRIPTION_MAX)
    throw invalid(`description must be at most ${SECRET_DESCRIPTION_MAX} characters`, { fields: ['description'] });
  return description;
}
