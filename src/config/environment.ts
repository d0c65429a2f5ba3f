import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The environment as @nestjs/config will see it: the `.env` file of the working folder
 * under the real environment (a variable set in both keeps its real value). For what must
 * be known before the app's modules load: the early check in main.ts, Fastify's options.
 */
export function loadEnvironment(cwd = process.cwd()): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  return { ...(existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}), ...process.env };
}
