import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { StompUsageError, type StompConnection } from '../engine';

/** Options of {@link StompHealthIndicator.isHealthy}. */
export interface StompHealthOptions {
  /**
   * Report down when nothing arrived for this long, although the socket is open. By default, what
   * the connection itself allows before it drops the link (`heartbeatTimeoutMs`: the receive
   * interval × `heartbeatReceiveScale`, one interval more on ActiveMQ) when heart-beats are on;
   * otherwise not checked.
   */
  maxSilenceMs?: number;
}

/**
 * What {@link StompHealthIndicator.isHealthy} checks: a connection, or a `ServerStomp` or
 * `ClientStomp`, whose connection exists only from `listen()` / `connect()` until `close()`.
 */
export type StompHealthTarget = StompConnection | { unwrap(): StompConnection };

/**
 * A `@nestjs/terminus` health indicator (optional peer) for a {@link StompConnection}: up while
 * connected and hearing from the broker, with the version, server and the age of the last thing
 * received (a heart-beat or a frame).
 *
 * @example
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.stomp.isHealthy('stomp', this.connection)]); }
 * // the transport's own connection: this.stomp.isHealthy('stomp', server)
 */
@Injectable()
export class StompHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  /** Up or down, with details; a transport that has not started, or has closed, is down. */
  isHealthy(key: string, target: StompHealthTarget, options: StompHealthOptions = {}): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const connection = connectionOf(target);
    if (connection === undefined) return indicator.down({ state: 'not started', reason: 'not listening or connected (before listen() / connect(), or after close())' });
    const ageMs = connection.lastReceivedAgoMs;
    const receiveMs = connection.heartbeatIntervals.receiveMs;
    const maxSilenceMs = options.maxSilenceMs ?? (receiveMs > 0 ? connection.heartbeatTimeoutMs : undefined);
    const details = {
      state: connection.isConnected() ? 'connected' : 'disconnected',
      version: connection.version,
      server: connection.connected?.header('server') ?? null,
      lastReceivedAgoMs: ageMs,
      heartbeatReceiveMs: receiveMs,
    };
    if (!connection.isConnected()) return indicator.down({ ...details, reason: 'not connected' });
    if (maxSilenceMs !== undefined && ageMs !== null && ageMs > maxSilenceMs) {
      return indicator.down({ ...details, reason: `nothing received for ${ageMs} ms (allowed ${maxSilenceMs} ms)` });
    }
    return indicator.up(details);
  }
}

/** The target's connection; none for a transport outside listen()/connect() … close(), whose unwrap() refuses. */
function connectionOf(target: StompHealthTarget): StompConnection | undefined {
  if (!('unwrap' in target)) return target;
  try {
    return target.unwrap();
  } catch (error) {
    if (error instanceof StompUsageError) return undefined;
    throw error;
  }
}
