/** Per-message STOMP settings carried by a {@link StompRecord}. */
export interface StompRecordOptions {
  /** Extra SEND headers. */
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

/** Data plus per-message headers, for `ClientStomp.emit` and `send`. */
export class StompRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options: StompRecordOptions = {},
  ) {}

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

  build(): StompRecord<TData> {
    return new StompRecord(this.data as TData, this.options);
  }
}
