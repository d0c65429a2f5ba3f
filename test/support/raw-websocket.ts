import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A WebSocket client on a bare TCP socket, for tests that need to stop reading (a slow
 * consumer): `pause()` stops taking data, so the server's writes back up as they would for
 * a client on a bad link. Text frames out (masked, as a client must), raw bytes in.
 */
export interface RawWebSocket {
  socket: Socket;
  /** Everything received so far, frame headers included (latin1), for substring checks. */
  received(): string;
  sendText(text: string): void;
  close(): void;
}

export function openRawWebSocket(url: string): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-version': '13',
      },
    });
    req.once('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.once('error', reject);
    req.once('upgrade', (_res, socket, head) => {
      const chunks: Buffer[] = [head];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => undefined);
      resolve({
        socket,
        received: () => Buffer.concat(chunks).toString('latin1'),
        sendText: (text) => socket.write(maskedFrame(Buffer.from(text, 'utf8'))),
        close: () => socket.destroy(),
      });
    });
    req.end();
  });
}

function maskedFrame(payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([length, mask, body]);
}
