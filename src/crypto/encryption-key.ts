import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../config/env.schema';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/**
 * docs/architecture.md#encryption-key: a configured key is used as is; in production a missing or all-zero key stops
 * start-up; elsewhere a key is generated once into `<dataDir>/encryption.key` (0600).
 */
export function resolveEncryptionKey(opts: {
  configured?: string;
  production: boolean;
  dataDir: string;
  warnings: string[];
}): Buffer {
  if (opts.configured) {
    const key = Buffer.from(opts.configured, 'hex');
    if (key.every((b) => b === 0)) {
      if (opts.production)
        throw new ConfigurationError(
          'Invalid configuration: MCPBOX_ENCRYPTION_KEY must not be all zeros in production',
        );
      opts.warnings.push(
        'MCPBOX_ENCRYPTION_KEY is all zeros: secrets are not protected. Set a random key (openssl rand -hex 32).',
      );
    }
    return key;
  }
  if (opts.production) {
    throw new ConfigurationError(
      'Invalid configuration: MCPBOX_ENCRYPTION_KEY is required in production (64 hex characters, e.g. `openssl rand -hex 32`)',
    );
  }
  const file = join(opts.dataDir, 'encryption.key');
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (!HEX_KEY.test(text))
      throw new ConfigurationError(`Invalid configuration: ${file} does not hold 64 hex characters`);
    return Buffer.from(text, 'hex');
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  opts.warnings.push(
    `MCPBOX_ENCRYPTION_KEY is not set: generated a key into ${file}. Back it up; secrets cannot be read without it.`,
  );
  return key;
}
