import { Module } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { LoggerOptions, DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { AppConfig } from '../config/app-config';
import { requestId } from './request-id';

/**
 * Nest's start-up chatter (one line per module and per route): kept at debug level, so the
 * info log of a start says what matters (database, warnings, where to connect).
 */
const QUIET_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/** Readable lines for a person at a terminal; JSON for everything else (files, journald, collectors). */
export function usePrettyLogs(format: AppConfig['logFormat'], stdoutIsTty = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTty);
}

/** One line per log entry: `12:00:01.123 INFO  Database: started ...`, a request as `GET /x → 200 (3 ms)`. */
export function prettyStream(colorize = true): DestinationStream {
  return pretty({
    colorize,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,responseTime,reqId',
    messageFormat: '{if context}{context}: {end}{msg}',
    singleLine: true,
  });
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig): Params => {
        const options: LoggerOptions & Record<string, unknown> = {
          level: config.logLevel,
          genReqId: (req: Parameters<typeof requestId>[0]) => requestId(req),
          redact: {
            paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-mcpbox-service-token"]'],
            censor: '[REDACTED]',
          },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              url: req.url,
            }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          customLogLevel: (_req: unknown, res: { statusCode: number }, err?: unknown) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          customSuccessMessage: (req: { method?: string; url?: string }, res: { statusCode: number }, ms: number) =>
            `${req.method} ${req.url} → ${res.statusCode} (${Math.round(ms)} ms)`,
          customErrorMessage: (req: { method?: string; url?: string }, res: { statusCode: number }) =>
            `${req.method} ${req.url} → ${res.statusCode} (failed)`,
          autoLogging: { ignore: (req: { url?: string }) => req.url === '/health' },
          hooks: {
            logMethod(
              this: { debug: (...a: unknown[]) => void },
              args: unknown[],
              method: (...a: unknown[]) => void,
              level: number,
            ) {
              const context = (args[0] as { context?: unknown } | undefined)?.context;
              if (level === 30 && typeof context === 'string' && QUIET_CONTEXTS.has(context))
                return this.debug(...args);
              method.apply(this, args);
            },
          },
        };
        return { pinoHttp: usePrettyLogs(config.logFormat) ? [options, prettyStream()] : options };
      },
    }),
  ],
})
export class LoggingModule {}
