import type { StompError } from '../engine';

/** Connection state of {@link ServerStomp} and {@link ClientStomp}, published on their `status`. */
export enum StompStatus {
  CONNECTED = 'connected',
  DISCONNECTED = 'disconnected',
  RECONNECTING = 'reconnecting',
}

/** Events of `on()` on {@link ServerStomp} and {@link ClientStomp}. */
export type StompEvents = {
  connected: () => void;
  disconnected: () => void;
  reconnecting: (hostAndPort: readonly [string, number]) => void;
  /** A failure without an ERROR frame, or an ERROR frame turned into a {@link StompBrokerError}. */
  error: (error: StompError) => void;
};
