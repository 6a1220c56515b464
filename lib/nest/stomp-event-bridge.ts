import { StompBrokerError, type ConnectionListener, type StompError } from '../engine';
import { StompStatus, type StompEvents } from './stomp.events';

type Callbacks = { [K in keyof StompEvents]: Array<StompEvents[K]> };

/**
 * Turns engine listener calls into Nest's `status` stream and `on()` callbacks, for both the server
 * and the client. Callbacks registered before the connection exists are kept and apply to it.
 */
export class StompEventBridge {
  private readonly callbacks: Callbacks = { connected: [], disconnected: [], reconnecting: [], error: [] };
  private everConnected = false;

  constructor(private readonly status$: { next(status: StompStatus): void }) {}

  on<K extends keyof StompEvents>(event: K, callback: StompEvents[K]): void {
    (this.callbacks[event] as Array<StompEvents[K]>).push(callback);
  }

  /** The listener to set on the connection. */
  readonly listener: ConnectionListener = {
    onConnecting: (hostAndPort) => {
      if (!this.everConnected) return;
      this.status$.next(StompStatus.RECONNECTING);
      this.callbacks.reconnecting.forEach((cb) => cb(hostAndPort));
    },
    onConnected: () => {
      this.everConnected = true;
      this.status$.next(StompStatus.CONNECTED);
      this.callbacks.connected.forEach((cb) => cb());
    },
    onDisconnected: () => {
      this.status$.next(StompStatus.DISCONNECTED);
      this.callbacks.disconnected.forEach((cb) => cb());
    },
    onError: (frame) => this.error(new StompBrokerError(frame)),
    onConnectionError: (error) => this.error(error),
  };

  private error(error: StompError): void {
    this.callbacks.error.forEach((cb) => cb(error));
  }
}
