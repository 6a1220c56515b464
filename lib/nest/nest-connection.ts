import type { LoggerService } from '@nestjs/common';
import { RECONNECT_FOREVER, StompConnection, type ConnectionOptions } from '../engine';

/**
 * Creates the engine connection of a Nest-layer component (`ServerStomp`, `ClientStomp`,
 * `StompModule`). Two of the engine's stomp.py defaults suit a script better than an app: here the
 * connection reconnects for as long as the app runs, and text payloads (strings, JSON) go on the
 * wire without `content-length`, which JMS brokers deliver to Java as a `TextMessage` (bytes keep
 * theirs: a `BytesMessage`). Options given win. Each failed connect attempt is logged, since with
 * endless reconnects an unreachable broker would otherwise hold start-up without a word.
 * @internal
 */
export function createNestConnection(options: ConnectionOptions, logger: Pick<LoggerService, 'warn'>): StompConnection {
  const connection = new StompConnection({ reconnectAttemptsMax: RECONNECT_FOREVER, autoContentLength: 'binary', ...options });
  connection.setListener('nest-connect-attempts', { onConnectAttemptFailed: (error) => logger.warn(`${error.message}; trying again`) });
  return connection;
}
