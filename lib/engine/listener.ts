import type { StompError } from './errors';
import type { Frame } from './frame';

/**
 * Callbacks for what happens on a connection, stomp.py's `ConnectionListener` in camelCase. Every
 * member is optional; implement the ones you need. A listener that throws does not break the
 * connection: the error is reported with `process.emitWarning`.
 */
export interface ConnectionListener {
  /** A TCP connection to `hostAndPort` is about to be attempted. */
  onConnecting?(hostAndPort: readonly [string, number]): void;
  /** The broker answered CONNECTED; subscriptions have been re-sent. */
  onConnected?(frame: Frame): void;
  /** `disconnect()` is about to send DISCONNECT. */
  onDisconnecting?(): void;
  /** The socket of an established connection closed, for whatever reason. */
  onDisconnected?(): void;
  /** Nothing arrived within `heartbeatReceiveScale` × the negotiated interval; the socket is dropped next. */
  onHeartbeatTimeout?(): void;
  /** A MESSAGE arrived; called before {@link ConnectionListener.onMessage}. */
  onBeforeMessage?(frame: Frame): void;
  /** A MESSAGE arrived. */
  onMessage?(frame: Frame): void;
  /** A RECEIPT arrived. */
  onReceipt?(frame: Frame): void;
  /** The broker sent an ERROR frame. */
  onError?(frame: Frame): void;
  /**
   * Not in stomp.py: RabbitMQ had a message on its way to subscription `subscriptionId` when that
   * subscription ended, and sent `frame` (an ERROR "Subscription not found") in its place. It is not
   * an error and is not reported to {@link ConnectionListener.onError}. In a client ack mode the
   * message goes back to its queue when the connection ends; with ack `auto` RabbitMQ counted it as
   * delivered, so it is lost.
   */
  onDeliveryAfterUnsubscribe?(subscriptionId: string, frame: Frame): void;
  /** A frame is about to be written. */
  onSend?(frame: Frame): void;
  /** A heart-beat (an EOL between frames) arrived. */
  onHeartbeat?(): void;
  /** The socket closed and reading stopped; `frame` is the last frame read, if any. */
  onReceiverLoopCompleted?(frame: Frame | undefined): void;
  /**
   * Not in stomp.py: a failure that has no frame — a malformed frame from the broker, a socket error,
   * or automatic reconnection giving up.
   */
  onConnectionError?(error: StompError): void;
  /**
   * Not in stomp.py: one attempt to connect failed (the socket, the CONNECTED wait, or an ERROR
   * answering CONNECT) and another follows, to the next host or after the backoff sleep. When the
   * attempts run out, `connect()` rejects instead (or, for a reconnect, `onConnectionError` reports it).
   */
  onConnectAttemptFailed?(error: StompError): void;
}

/** The callback names of {@link ConnectionListener}. */
export type ListenerEvent = keyof ConnectionListener;
