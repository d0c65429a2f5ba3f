import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HealthCheck } from '../health.service';

/** Where installed npm modules live: a folder of the data folder (the modules feature's store). */
export const moduleStoreDir = (dataDir: string): string => join(dataDir, 'modules');

const writable = (path: string) =>
  access(path, constants.W_OK).then(
    () => true,
    () => false,
  );

/**
 * The module store: present and writable is ok; absent is ok while its parent is writable
 * (the first install creates it); a store that cannot be written is degraded (installed
 * modules still load, new ones cannot be installed); no place to create it is down.
 */
export function moduleStoreCheck(dir: string): HealthCheck {
  return async () => {
    const info = await stat(dir).catch(() => null);
    if (!info) {
      const parentWritable = await writable(dirname(dir));
      return {
        status: parentWritable ? 'ok' : 'down',
        details: { present: false, writable: parentWritable, installed: 0 },
        ...(parentWritable ? {} : { error: 'The data folder is not writable: the module store cannot be created' }),
      };
    }
    if (!info.isDirectory())
      return { status: 'down', details: { present: false, writable: false, installed: 0 }, error: 'Not a folder' };
    const canWrite = await writable(dir);
    const installed = (await readdir(join(dir, 'modules')).catch(() => [] as string[])).filter((f) =>
      f.endsWith('.json'),
    ).length;
    return {
      status: canWrite ? 'ok' : 'degraded',
      details: { present: true, writable: canWrite, installed },
      ...(canWrite ? {} : { error: 'The module store is not writable: modules cannot be installed' }),
    };
  };
}
