import type { ConnectionListener, Frame } from '../engine';

/** The part of a Nest logger the trace uses. */
export interface TraceLogger {
  debug(message: string): unknown;
}

/**
 * Logs every frame in and out at debug level through a Nest Logger (`traceFrames: true` on
 * ServerStomp or ClientStomp; StompModule has no such option). Frames print masked: headers, body
 * size, never the passcode.
 */
export function frameTraceListener(logger: TraceLogger): ConnectionListener {
  const incoming = (frame: Frame): void => void logger.debug(`<<< ${frame}`);
  return {
    onSend: (frame) => void logger.debug(`>>> ${frame}`),
    onConnected: incoming,
    onMessage: incoming,
    onReceipt: incoming,
    onError: incoming,
    onDeliveryAfterUnsubscribe: (_id, frame) => incoming(frame),
    onConnecting: ([host, port]) => void logger.debug(`connecting to ${host}:${port}`),
  };
}
