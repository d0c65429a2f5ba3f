import { LOOPBACK_NODE_OPTIONS } from './loopback-only';
import { spawn } from 'node:child_process';

/**
 * Asks `url` every 100 ms from another process, timing each answer, until stopped. In the
 * server's own process a probe would wait with the server when its event loop is held and
 * then see fast answers; from outside, a held event loop shows as slow ones.
 */
export async function startHealthProbe(url: string): Promise<{ stop: () => Promise<number[]> }> {
  const script = `
    const url = process.argv[1];
    const latencies = [];
    let running = true;
    process.stdin.on('end', () => (running = false)).resume();
    (async () => {
      while (running) {
        const started = performance.now();
        try { await (await fetch(url)).text(); latencies.push(performance.now() - started); }
        catch { latencies.push(Infinity); }
        if (latencies.length === 1) process.stdout.write('ready\\n');
        await new Promise((r) => setTimeout(r, 100));
      }
      process.stdout.write(JSON.stringify(latencies.map((l) => (Number.isFinite(l) ? l : 1e9))) + '\\n');
    })();`;
  const child = spawn(process.execPath, ['-e', script, url], {
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: LOOPBACK_NODE_OPTIONS },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => out.startsWith('ready') && resolve());
    child.on('exit', () => reject(new Error(`the probe exited: ${out}`)));
  });
  return {
    stop: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.on('close', resolve));
      const results = JSON.parse(out.split('\n')[1]) as number[];
      // The first answer came before the work started.
      return results.slice(1);
    },
  };
}
