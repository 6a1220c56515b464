import { BaseRpcContext } from '@nestjs/microservices';
import {
  StompErrorCode,
  StompUsageError,
  headerEntries,
  type AckOptions,
  type Frame,
  type HeadersInit,
  type StompConnection,
} from '../engine';
import { encodeMessage, StompRecord } from './stomp.record-builder';

/** How a message was settled, if it was; `left` means deliberately left unacknowledged. */
export type Settlement = 'ack' | 'nack' | 'left' | null;

/** Per-message state shared by the context, the transport and the transaction interceptor. */
export class MessageState {
  settlement: Settlement = null;
  transaction: string | undefined;
  /** A request with a `reply-to`: a failure is answered to the requester, and the transport settles the message. */
  errorsAnswered = false;
}

/** What a {@link StompContext} holds: the MESSAGE, its connection, its settlement state and the handler's pattern. */
export type StompContextArgs = [frame: Frame, connection: StompConnection, state: MessageState, pattern: string];

/**
 * The `@Ctx()` of a STOMP handler: the MESSAGE frame, its connection, and ack/nack with the headers
 * the negotiated version needs. Inside {@link StompTransactional} handlers, `ack`, `nack` and `send`
 * join the transaction.
 */
export class StompContext extends BaseRpcContext<StompContextArgs> {
  constructor(args: StompContextArgs) {
    super(args);
  }

  /** The MESSAGE frame. */
  getFrame(): Frame {
    return this.args[0];
  }

  /** The message headers (first value of a repeated header). */
  getHeaders(): Readonly<Record<string, string>> {
    return this.args[0].headers;
  }

  /**
   * What the sender attached to the message (Nest's packet metadata, such as a trace context): on
   * STOMP these are the message headers, so this is {@link getHeaders}, for code written against
   * Nest's contexts.
   */
  getMetadata(): Readonly<Record<string, string>> {
    return this.getHeaders();
  }

  /**
   * The handler's pattern: the destination it subscribed to, wildcards included, as Nest's
   * `RmqContext.getPattern()` gives the pattern that matched.
   */
  getPattern(): string {
    return this.args[3];
  }

  /** The destination the message was sent to (concrete, also for wildcard subscriptions). */
  getDestination(): string | undefined {
    return this.args[0].header('destination');
  }

  /** The id of the subscription that delivered the message. */
  getSubscription(): string | undefined {
    return this.args[0].header('subscription');
  }

  /** The broker's `message-id`. */
  getMessageId(): string | undefined {
    return this.args[0].header('message-id');
  }

  /** The connection the message arrived on. */
  getConnection(): StompConnection {
    return this.args[1];
  }

  /** The transaction the handler runs in, if any. */
  getTransaction(): string | undefined {
    return this.args[2].transaction;
  }

  /** @internal State shared with the transport and the transaction interceptor. */
  getState(): MessageState {
    return this.args[2];
  }

  /** Whether the message was already acknowledged or rejected. */
  isSettled(): boolean {
    return this.args[2].settlement !== null;
  }

  /**
   * Acknowledges the message (inside the current transaction, if any).
   * @throws {StompUsageError} when it was already settled.
   */
  ack(options: AckOptions = {}): Promise<void> {
    return this.settle('ack', options);
  }

  /**
   * Rejects the message (inside the current transaction, if any). The broker decides what follows:
   * RabbitMQ requeues, ActiveMQ Classic dead-letters.
   * @throws {StompUsageError} when it was already settled, or on STOMP 1.0.
   */
  nack(options: AckOptions = {}): Promise<void> {
    return this.settle('nack', options);
  }

  /**
   * Sends a message from the handler, inside the current transaction if any. `body` is encoded as
   * `ClientStomp.emit` encodes it; a {@link StompRecord} sends its data with its headers and content
   * type. `headers` win over the record's, and a `content-type` among them is the content type.
   * @throws {StompUsageError} (as a rejection) for a header the transport writes itself, such as `destination`.
   */
  send(destination: string, body: unknown, headers?: HeadersInit): Promise<void> {
    try {
      const message = encodeMessage(withHeaders(body, headers));
      return this.getConnection().send(destination, message.body, { contentType: message.contentType, headers: message.headers, transaction: this.getTransaction() });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private settle(kind: 'ack' | 'nack', options: AckOptions): Promise<void> {
    const state = this.args[2];
    if (state.settlement !== null) {
      return Promise.reject(new StompUsageError(`message ${this.getMessageId()} was already ${state.settlement === 'ack' ? 'acknowledged' : 'rejected'}`, StompErrorCode.InvalidState));
    }
    const conn = this.getConnection();
    const settled = kind === 'ack' ? conn.ack(this.getFrame(), undefined, { transaction: state.transaction, ...options }) : conn.nack(this.getFrame(), undefined, { transaction: state.transaction, ...options });
    state.settlement = kind;
    return settled.catch((error: unknown) => {
      state.settlement = null;
      throw error;
    });
  }
}

/** `body` as a record (its own, or a plain one) with `headers` added over its headers. */
function withHeaders(body: unknown, headers: HeadersInit | undefined): StompRecord {
  const record = body instanceof StompRecord ? body : new StompRecord(body);
  if (headers === undefined) return record;
  const extra = Object.fromEntries(headerEntries(headers));
  return new StompRecord(record.data, {
    ...record.options,
    contentType: extra['content-type'] ?? record.options.contentType,
    headers: { ...record.options.headers, ...extra },
  });
}
