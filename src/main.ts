import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigurationError, validateEnvironment } from './config/env.schema';

/** The environment as @nestjs/config will see it: `.env` values under the real environment. */
function environment(): Record<string, string | undefined> {
  const file = resolve(process.cwd(), '.env');
  return { ...(existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}), ...process.env };
}

async function main(): Promise<void> {
  try {
    // Checked before the app's modules load (seconds on a busy machine), so a bad value is
    // one line at once. Values using `${…}` expansion are left to the full check.
    const env = environment();
    if (!Object.values(env).some((v) => v?.includes('${'))) validateEnvironment(env);
    // Loaded here, not at the top: validating the configuration happens while these load,
    // and a problem with it must be one clear line, not a stack trace.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createApp } = require('./bootstrap') as typeof import('./bootstrap');
    const { AppConfig } = require('./config/app-config') as typeof import('./config/app-config');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const app = await createApp();
    const config = app.get(AppConfig);
    await app.listen(config.port, config.host);
  } catch (err) {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

void main();
