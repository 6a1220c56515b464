import type { LoggerService } from '@nestjs/common';
import { RECONNECT_FOREVER, StompConnection, type ConnectionListener, type ConnectionOptions } from '../engine';

/**
 * Creates the engine connection of a Nest-layer component (`ServerStomp`, `ClientStomp`,
 * `StompModule`). Two of the engine's stomp.py defaults suit a script better than an app: here the
 * connection reconnects for as long as the app runs, and text payloads (strings, JSON) go on the
 * wire without `content-length`, which JMS brokers deliver to Java as a `TextMessage` (bytes keep
 * theirs: a `BytesMessage`). Options given win. Each failed connect attempt is logged, since with
 * endless reconnects an unreachable broker would otherwise hold start-up without a word.
 * @internal
 */
export function createNestConnection(options: ConnectionOptions, logger: Pick<LoggerService, 'warn' | 'log'>): StompConnection {
  const connection = new StompConnection({ reconnectAttemptsMax: RECONNECT_FOREVER, autoContentLength: 'binary', ...options });
  connection.setListener('nest-connection-log', connectionLog(connection, logger));
  return connection;
}

/**
 * Says what an app's operator needs to know without frame tracing: each failed connect attempt, a
 * silent broker, a connection lost (not one this side closed) and the reconnect after it, as
 * Nest's own transports log theirs.
 */
function connectionLog(connection: StompConnection, logger: Pick<LoggerService, 'warn' | 'log'>): ConnectionListener {
  let closing = false;
  let lost = false;
  const where = (): string => connection.connected?.header('server') ?? 'the broker';
  return {
    onConnectAttemptFailed: (error) => logger.warn(`${error.message}; trying again`),
    onHeartbeatTimeout: () => logger.warn(`heart-beat timeout: ${where()} went silent; dropping the connection`),
    onDisconnecting: () => (closing = true),
    onDisconnected: () => {
      if (closing) return;
      lost = true;
      logger.warn(`connection to ${where()} lost${connection.options.autoReconnect ? '; reconnecting' : ''}`);
    },
    onConnected: (frame) => {
      closing = false;
      if (lost) logger.log(`reconnected to ${frame.header('server') ?? 'the broker'}`);
      lost = false;
    },
  };
}
