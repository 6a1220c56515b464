import { StompUsageError } from '../engine';
import { encodePayload, type EncodedPayload } from './payload';

/** Per-message STOMP settings carried by a {@link StompRecord}. */
export interface StompRecordOptions {
  /**
   * Extra SEND headers. A `content-type` here is the content type (unless `contentType` is set);
   * `destination`, `content-length`, `transaction` and `receipt` are refused: the transport writes them.
   */
  headers?: Record<string, string>;
  /** Overrides the content type chosen from the data. */
  contentType?: string;
  /** `persistent: true` (ActiveMQ stores it; RabbitMQ confirms it before the RECEIPT). */
  persistent?: boolean;
  /** JMS priority 0–9 (ActiveMQ; RabbitMQ on priority queues). */
  priority?: number;
  /** Expiry as epoch milliseconds (ActiveMQ `expires`). */
  expires?: number;
}

/**
 * Headers a SEND gets from the transport. The first of two copies is the one brokers read, so a
 * record's would be dropped without a word.
 */
const TRANSPORT_HEADERS = ['destination', 'content-length', 'transaction', 'receipt'];

/** Data plus per-message headers, for `ClientStomp.emit` and `send`, and `StompContext.send`. */
export class StompRecord<TData = unknown> {
  readonly options: StompRecordOptions;

  /** @throws {StompUsageError} for a header the transport writes itself. */
  constructor(
    readonly data: TData,
    options: StompRecordOptions = {},
  ) {
    this.options = withContentTypeHeader(options);
  }

  /** The SEND headers these options stand for. */
  toHeaders(): Record<string, string> {
    const { persistent, priority, expires, headers } = this.options;
    return {
      ...(persistent !== undefined ? { persistent: String(persistent) } : {}),
      ...(priority !== undefined ? { priority: String(priority) } : {}),
      ...(expires !== undefined ? { expires: String(expires) } : {}),
      ...headers,
    };
  }
}

/** A message's body, content type and the headers of its record, if any. */
export interface EncodedMessage extends EncodedPayload {
  headers?: Record<string, string>;
}

/**
 * Encodes what a handler or a client hands over: a {@link StompRecord} as its data with its content
 * type and headers, anything else as {@link encodePayload} does, with no headers.
 * @throws {StompUsageError} when the data cannot be serialized.
 * @internal
 */
export function encodeMessage(value: unknown): EncodedMessage {
  // Not a record (the usual emit): the payload as it is, no copy of it per message.
  if (!(value instanceof StompRecord)) return encodePayload(value);
  return { ...encodePayload(value.data, value.options.contentType), headers: value.toHeaders() };
}

/** The options with a `content-type` header moved to `contentType`; refuses the transport's headers. */
function withContentTypeHeader(options: StompRecordOptions): StompRecordOptions {
  const reserved = Object.keys(options.headers ?? {}).filter((name) => TRANSPORT_HEADERS.includes(name));
  if (reserved.length > 0) throw new StompUsageError(`a StompRecord cannot set the ${reserved.join(', ')} header: the transport writes it`);
  if (options.headers?.['content-type'] === undefined) return options;
  const { 'content-type': contentType, ...headers } = options.headers;
  return { ...options, contentType: options.contentType ?? contentType, headers };
}

/**
 * Builds a {@link StompRecord}, as Nest's `RmqRecordBuilder` does for RabbitMQ.
 * @example
 * client.emit('/queue/orders', new StompRecordBuilder(order).setPersistent(true).setHeaders({ tenant: 'a' }).build());
 */
export class StompRecordBuilder<TData = unknown> {
  private options: StompRecordOptions = {};

  constructor(private data?: TData) {}

  setData(data: TData): this {
    this.data = data;
    return this;
  }

  setOptions(options: StompRecordOptions): this {
    this.options = { ...this.options, ...options };
    return this;
  }

  setHeaders(headers: Record<string, string>): this {
    return this.setOptions({ headers: { ...this.options.headers, ...headers } });
  }

  setContentType(contentType: string): this {
    return this.setOptions({ contentType });
  }

  setPersistent(persistent = true): this {
    return this.setOptions({ persistent });
  }

  setPriority(priority: number): this {
    return this.setOptions({ priority });
  }

  setExpires(expires: number): this {
    return this.setOptions({ expires });
  }

  /** @throws {StompUsageError} for a header the transport writes itself. */
  build(): StompRecord<TData> {
    return new StompRecord(this.data as TData, this.options);
  }
}
