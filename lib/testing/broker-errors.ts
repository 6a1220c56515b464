import { StompError, StompErrorCode, type StompErrorCodeValue } from '../engine';

/**
 * A client broke the STOMP protocol, or asked the embedded broker for something it refuses (an
 * unknown ack id or transaction, a wrong passcode…). The session answers with an ERROR frame whose
 * `message` header is this error's message, then closes the connection, as STOMP 1.2 requires.
 */
export class StompProtocolError extends StompError {
  override name = 'StompProtocolError';

  constructor(
    message: string,
    code: StompErrorCodeValue = StompErrorCode.InvalidArgument,
    /** Longer explanation, sent as the ERROR frame's body. */
    readonly detail?: string,
    /** Extra headers for the ERROR frame (e.g. `version` when no version could be agreed). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message, code);
  }
}
