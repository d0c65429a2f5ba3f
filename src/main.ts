import { ConfigurationError } from './config/env.schema';

async function main(): Promise<void> {
  try {
    // Loaded here, not at the top: validating the configuration happens while these load,
    // and a problem with it must be one clear line, not a stack trace.
    const { createApp } = require('./bootstrap') as typeof import('./bootstrap');
    const { AppConfig } = require('./config/app-config') as typeof import('./config/app-config');
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
