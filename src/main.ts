import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeStartupFailure, type StartupSettings } from './common/startup-error';
import { validateEnvironment } from './config/env.schema';
import { loadEnvironment } from './config/environment';

/**
 * Starts MCPBox. Any failure to start is one line on stderr naming the cause and the
 * setting to change (exit status 1); with LOG_LEVEL=debug the stack follows it.
 */
async function main(): Promise<void> {
  const env = loadEnvironment();
  let settings: StartupSettings = { host: '0.0.0.0', port: 8000, dataDir: resolve('./data') };
  let app: NestFastifyApplication | undefined;
  try {
    // Checked before the app's modules load (seconds on a busy machine), so a bad value is
    // one line at once.
    const valid = validateEnvironment(env);
    settings = {
      host: valid.HOST ?? '0.0.0.0',
      port: valid.PORT ?? 8000,
      dataDir: resolve(valid.DATA_DIR ?? './data'),
    };
    // Loaded here, not at the top: a problem while they load must be one clear line too.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createApp, listen } = require('./bootstrap') as typeof import('./bootstrap');
    app = await createApp();
    await listen(app);
  } catch (err) {
    process.stderr.write(`${describeStartupFailure(err, settings)}\n`);
    if (/^(debug|trace)$/.test(env.LOG_LEVEL ?? '')) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    // Whatever started already (the embedded PostgreSQL, sandbox workers) stops with the app.
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
}

void main();
