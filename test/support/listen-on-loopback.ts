/**
 * Preloaded (`--require`) into third-party servers a test starts as child processes, such as
 * `@modelcontextprotocol/server-everything`, which listen on `PORT` on every interface and
 * take no host: a listen by port alone is bound to 127.0.0.1 instead, so nothing a test starts
 * is reachable from outside the machine. Each listening server then writes
 * `LISTENING_ON <port>` to stderr: with `PORT=0` the system picks a free port (no race with
 * another process for a port chosen beforehand), and the parent reads which one.
 * Importing this module patches the process: only children preload it.
 */
import net from 'node:net';

type Listen = (this: net.Server, ...args: unknown[]) => net.Server;

/** A port given without a host (`listen(port, cb)`, `listen({ port })`) gets host 127.0.0.1. */
function onLoopback(args: unknown[]): unknown[] {
  const [first, second] = args;
  const isPort = typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first));
  if (isPort && typeof second !== 'string') return [first, '127.0.0.1', ...args.slice(1)];
  if (first && typeof first === 'object' && 'port' in first && !('host' in first) && !('path' in first))
    return [{ ...first, host: '127.0.0.1' }, ...args.slice(1)];
  return args;
}

const original = net.Server.prototype.listen as unknown as Listen;
net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]) {
  this.once('listening', () => {
    const address = this.address();
    if (address && typeof address === 'object') process.stderr.write(`LISTENING_ON ${address.port}\n`);
  });
  return original.apply(this, onLoopback(args));
} as unknown as typeof net.Server.prototype.listen;
