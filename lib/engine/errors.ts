import type { Frame } from './frame';

/** Stable machine-readable codes carried by every {@link StompError}. */
export const StompErrorCode = {
  /** A frame from the peer broke the STOMP grammar or one of the decoder limits. */
  MalformedFrame: 'STOMP_ERR_MALFORMED_FRAME',
  /** A frame from the peer exceeded a configured size limit. */
  LimitExceeded: 'STOMP_ERR_LIMIT_EXCEEDED',
  /** A frame could not be encoded for the negotiated version (e.g. LF in a 1.0 header). */
  Unencodable: 'STOMP_ERR_UNENCODABLE',
  /** The broker sent an ERROR frame. */
  Broker: 'STOMP_ERR_BROKER',
  /** The broker refused the CONNECT's credentials or virtual host. */
  Authentication: 'STOMP_ERR_AUTHENTICATION',
  /** A wait (CONNECTED, RECEIPT, DISCONNECT) ran past its deadline. */
  Timeout: 'STOMP_ERR_TIMEOUT',
  /** No broker of the list could be reached, or the connection was lost. */
  Connection: 'STOMP_ERR_CONNECTION',
  /** The call is not possible now: not connected, or lost before it completed. */
  NotConnected: 'STOMP_ERR_NOT_CONNECTED',
  /** The application passed an argument the protocol cannot carry. */
  InvalidArgument: 'STOMP_ERR_INVALID_ARGUMENT',
  /** The call is valid STOMP but not in this state or version (NACK on 1.0, acking twice…). */
  InvalidState: 'STOMP_ERR_INVALID_STATE',
  /** Too many bytes are waiting for the socket; the frame was not queued. */
  Backpressure: 'STOMP_ERR_BACKPRESSURE',
} as const;

/** One of the {@link StompErrorCode} values. */
export type StompErrorCodeValue = (typeof StompErrorCode)[keyof typeof StompErrorCode];

/** Base class of every error the library throws or rejects with. */
export class StompError extends Error {
  override name = 'StompError';

  constructor(
    message: string,
    /** Stable code, one of {@link StompErrorCode}. */
    readonly code: StompErrorCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A frame that could not be decoded or encoded; the connection that read it is closed. */
export class StompFrameError extends StompError {
  override name = 'StompFrameError';

  constructor(
    message: string,
    code: StompErrorCodeValue = StompErrorCode.MalformedFrame,
    /** The configured limit that was exceeded, when a limit was the cause. */
    readonly limit?: number,
  ) {
    super(message, code);
  }
}

/** The broker answered with an ERROR frame; `frame` holds it (its `message` header and body). */
export class StompBrokerError extends StompError {
  override name = 'StompBrokerError';

  constructor(
    readonly frame: Frame,
    code: StompErrorCodeValue = StompErrorCode.Broker,
  ) {
    super(describeErrorFrame(frame), code);
  }
}

/**
 * The broker answered CONNECT with an ERROR about credentials or access (RabbitMQ: "Access refused
 * for user …", "Virtual host … access denied"). Retrying will not help, so a first `connect()` fails
 * at once instead of working through the reconnect attempts.
 */
export class StompAuthenticationError extends StompBrokerError {
  override name = 'StompAuthenticationError';

  constructor(frame: Frame) {
    super(frame, StompErrorCode.Authentication);
  }

  /** Whether an ERROR frame answering CONNECT is about credentials or access. */
  static matches(frame: Frame): boolean {
    const text = `${frame.header('message') ?? ''} ${frame.body.toString('utf8', 0, Math.min(frame.body.length, 512))}`;
    return /access refused|access denied|authenticat|password|credential|not authori[sz]ed|unauthori[sz]ed|login/i.test(text);
  }
}

/** A wait ran past its deadline. */
export class StompTimeoutError extends StompError {
  override name = 'StompTimeoutError';

  constructor(
    /** What was being waited for, e.g. `RECEIPT rcpt-4`. */
    readonly operation: string,
    /** The deadline, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(`${operation} timed out after ${timeoutMs} ms`, StompErrorCode.Timeout);
  }
}

/** The network side failed: no broker reachable, the socket dropped, or not connected. */
export class StompConnectionError extends StompError {
  override name = 'StompConnectionError';

  constructor(message: string, code: StompErrorCodeValue = StompErrorCode.Connection, options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** The application asked for something STOMP cannot do now; nothing was sent. */
export class StompUsageError extends StompError {
  override name = 'StompUsageError';

  constructor(message: string, code: StompErrorCodeValue = StompErrorCode.InvalidArgument) {
    super(message, code);
  }
}

function describeErrorFrame(frame: Frame): string {
  const summary = frame.header('message') ?? 'ERROR frame';
  const detail = frame.body.length > 0 ? frame.body.toString('utf8', 0, Math.min(frame.body.length, 512)).trim() : '';
  return detail && detail !== summary ? `broker error: ${summary}: ${detail}` : `broker error: ${summary}`;
}
