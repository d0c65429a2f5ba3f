import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';

// The socket.io copy @nestjs/platform-socket.io pins (it may differ from the top-level one by a patch).
type IoServer = ReturnType<IoAdapter['createIOServer']>;
type IoOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;

/** A handshake's `auth` and the few messages a stream client sends are small: 16 KiB is plenty. */
const MAX_MESSAGE_BYTES = 16 * 1024;

/**
 * socket.io on the app's own HTTP server (the one Fastify listens on), under the app's
 * rules: cross-origin browsers only from CORS_ORIGINS (as the REST API), a same-origin page
 * and clients that send no Origin (not browsers) as everywhere else. socket.io's own CORS
 * headers cover the polling transport; WebSocket upgrades carry no CORS, so the Origin is
 * checked for every request here.
 */
export class ActivityIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly corsOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: IoOptions): IoServer {
    return super.createIOServer(port, {
      ...(options as IoOptions),
      cors: { origin: this.corsOrigins.length ? [...this.corsOrigins] : false, credentials: false },
      allowRequest: (req, done) => done(null, originAllowed(req, this.corsOrigins)),
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
    });
  }

  /** Only the stream's clients: the HTTP server is the app's, and Fastify closes it. */
  override async close(server: IoServer): Promise<void> {
    server.disconnectSockets(true);
    server.engine.close();
    await Promise.resolve();
  }
}

export function originAllowed(req: IncomingMessage, corsOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (corsOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
