import { Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { AuthService } from '../../auth/auth.service';
import type { AuthUser } from '../../common/decorators';
import { validateInput } from '../../common/contract/validate-input';
import { MetricsService } from '../../metrics/metrics.service';
import { DomainError, InputError } from '../../common/errors';
import { ActivityService } from '../activity.service';
import { mapActivityLog, StreamHandshakeDto, type ActivityLogDto } from '../dto/activity.dto';
import type { ActivityLog } from '../entities/activity-log.entity';
import { ACTIVITY_STREAM_PATH, STREAM_EVENTS } from './activity-stream.constants';

/**
 * Packets a client may have waiting (not yet taken by its connection) before new entries
 * are dropped for it; once it is down to half, it is told how many it missed.
 */
export const MAX_BACKLOG = 256;
/** A backstop for what no revocation event announces (an account disabled in the database by hand). */
const RECHECK_EVERY_MS = 60_000;
/** setTimeout's ceiling (about 24.8 days): a longer token is checked again at the backstop. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface StreamClient {
  user: AuthUser;
  token: string;
  filters: Pick<StreamHandshakeDto, 'server_id' | 'log_type' | 'level'>;
  dropped: number;
  expiry?: NodeJS.Timeout;
}

/** The refusal a socket.io client receives as `connect_error` (`err.message`, `err.data`). */
class StreamRefusal extends Error {
  constructor(
    readonly data: { status: number; message: string | string[] },
    message: string,
  ) {
    super(message);
  }
}

/**
 * The live activity stream (docs/architecture.md#activity): socket.io at `/api/activity/stream` on the app's own
 * HTTP server. The handshake's `auth` is validated (StreamHandshakeDto) and its token
 * checked by the one token check of the REST guard (`AuthService.authenticateAccessToken`);
 * a client is dropped when its token expires or is revoked (logout, refresh reuse, password
 * change are announced by the tokens service; every minute all tokens are checked again).
 * Each entry reaches the clients whose filters it passes once it is committed; a client
 * that does not keep up loses entries (and is told how many) instead of making the server
 * buffer without bound.
 */
@WebSocketGateway({ path: ACTIVITY_STREAM_PATH, serveClient: false })
export class ActivityStreamGateway
  implements OnGatewayInit<Server>, OnGatewayConnection<Socket>, OnGatewayDisconnect<Socket>, OnModuleDestroy
{
  private readonly log = new Logger(ActivityStreamGateway.name);
  @WebSocketServer() private server?: Server;
  private readonly clients = new Map<Socket, StreamClient>();
  private readonly stops: (() => void)[] = [];
  private recheck?: NodeJS.Timeout;
  private checking: Promise<void> | null = null;
  private checkAgain = false;

  constructor(
    private readonly auth: AuthService,
    private readonly activity: ActivityService,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(server: Server): void {
    server.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
      );
    });
    this.stops.push(this.activity.subscribe((entry) => this.broadcast(entry)));
    this.metrics.observeStreamClients(() => this.clients.size);
    this.stops.push(this.auth.onTokensRevoked(() => void this.checkAll()));
    this.recheck = setInterval(() => void this.checkAll(), RECHECK_EVERY_MS);
    this.recheck.unref();
  }

  handleConnection(socket: Socket): void {
    const client = socket.data as StreamClient | undefined;
    if (!client?.user) return void socket.disconnect(true);
    this.clients.set(socket, client);
    const left = client.user.expiresAt.getTime() - Date.now();
    if (left <= MAX_TIMER_MS) {
      client.expiry = setTimeout(() => this.close(socket, 'token_expired', 'The access token expired'), left);
      client.expiry.unref();
    }
    socket.conn.on('drain', () => this.caughtUp(socket, client));
  }

  handleDisconnect(socket: Socket): void {
    const client = this.clients.get(socket);
    if (client?.expiry) clearTimeout(client.expiry);
    this.clients.delete(socket);
  }

  onModuleDestroy(): void {
    clearInterval(this.recheck);
    for (const stop of this.stops.splice(0)) stop();
  }

  /** How many clients are connected (health, metrics, tests). */
  get connected(): number {
    return this.clients.size;
  }

  /** The largest backlog of a client, in packets (tests; never above MAX_BACKLOG plus a notice). */
  get largestBacklog(): number {
    let max = 0;
    for (const socket of this.clients.keys()) max = Math.max(max, backlog(socket));
    return max;
  }

  private async admit(socket: Socket): Promise<void> {
    let input: StreamHandshakeDto;
    try {
      input = validateInput(StreamHandshakeDto, socket.handshake.auth ?? {});
    } catch (err) {
      if (err instanceof InputError)
        throw new StreamRefusal({ status: 400, message: err.problems }, `Bad Request: ${err.message}`);
      throw err;
    }
    let user: AuthUser;
    try {
      user = await this.auth.authenticateAccessToken(input.token);
    } catch (err) {
      const message = err instanceof DomainError ? err.message : 'Invalid token';
      throw new StreamRefusal({ status: 401, message }, `Unauthorized: ${message}`);
    }
    const client: StreamClient = {
      user,
      token: input.token,
      filters: { server_id: input.server_id, log_type: input.log_type, level: input.level },
      dropped: 0,
    };
    Object.assign(socket.data as object, client);
  }

  private broadcast(entry: ActivityLog): void {
    if (!this.clients.size) return;
    let dto: ActivityLogDto | undefined;
    for (const [socket, client] of this.clients) {
      const f = client.filters;
      if (f.server_id && f.server_id !== entry.serverId) continue;
      if (f.log_type && f.log_type !== entry.logType) continue;
      if (f.level && f.level !== entry.level) continue;
      if (backlog(socket) >= MAX_BACKLOG) {
        client.dropped++;
        continue;
      }
      this.caughtUp(socket, client);
      socket.emit(STREAM_EVENTS.activity, (dto ??= mapActivityLog(entry)));
    }
  }

  /** A client that lost entries hears how many once its backlog is down to half. */
  private caughtUp(socket: Socket, client: StreamClient): void {
    if (!client.dropped || backlog(socket) > MAX_BACKLOG / 2) return;
    const dropped = client.dropped;
    client.dropped = 0;
    socket.emit(STREAM_EVENTS.dropped, {
      dropped,
      message: `${dropped} entr${dropped === 1 ? 'y was' : 'ies were'} not sent: the connection did not keep up (GET /api/activity/logs has them)`,
    });
  }

  /** Every client's token checked again; runs once at a time, and once more if asked meanwhile. */
  private checkAll(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await Promise.all(
          [...this.clients].map(async ([socket, client]) => {
            try {
              await this.auth.authenticateAccessToken(client.token);
            } catch (err) {
              if (!(err instanceof DomainError)) return; // the database did not answer: try at the next check
              this.close(socket, 'token_revoked', `The access token is no longer valid: ${err.message}`);
            }
          }),
        );
      } while (this.checkAgain);
    })()
      .catch((err: unknown) => this.log.warn({ err }, 'Checking the stream tokens failed'))
      .finally(() => (this.checking = null));
    return this.checking;
  }

  private close(socket: Socket, reason: 'token_expired' | 'token_revoked', message: string): void {
    if (!this.clients.has(socket)) return;
    this.handleDisconnect(socket);
    socket.emit(STREAM_EVENTS.closed, { reason, message });
    socket.disconnect(true);
  }
}

/**
 * Packets waiting in the client's engine.io connection: it holds them while the transport
 * is busy (a WebSocket write not yet taken by the peer, or no poll pending). Internal to
 * engine.io (6.x), read defensively.
 */
function backlog(socket: Socket): number {
  const buffer = (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer;
  return Array.isArray(buffer) ? buffer.length : 0;
}
