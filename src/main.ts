import { ConfigurationError, validateEnvironment } from './config/env.schema';
import { loadEnvironment } from './config/environment';

async function main(): Promise<void> {
  try {
    // Checked before the app's modules load (seconds on a busy machine), so a bad value is
    // one line at once. Values using `${…}` expansion are left to the full check.
    const env = loadEnvironment();
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
