import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { distinctUntilChanged, Observable } from 'rxjs';
import {
  brokerProduct,
  StompConnection,
  StompConnectionError,
  StompErrorCode,
  StompTimeoutError,
  StompUsageError,
  type ConnectionOptions,
  type Frame,
  type SendOptions,
} from '../engine';
import { CORRELATION_ID_HEADER, DEFAULT_RECONNECT_WAIT, DEFAULT_REQUEST_TIMEOUT, REPLY_TO_HEADER } from './constants';
import { frameTraceListener } from './frame-trace.listener';
import { createNestConnection } from './nest-connection';
import { decodePayload } from './payload';
import { replyPacket } from './reply';
import { StompEventBridge } from './stomp-event-bridge';
import type { StompEvents, StompStatus } from './stomp.events';
import { encodeMessage } from './stomp.record-builder';

/** Subscription id of the reply destination, where the client subscribes to it. */
const REPLY_SUBSCRIPTION = 'nest-replies';

/** Options of {@link ClientStomp}: every engine option, plus the client's. */
export interface ClientStompOptions extends ConnectionOptions {
  /** `emit` completes only once the broker's RECEIPT arrived, and errors when it does not. @default false */
  confirm?: boolean;
  /** Milliseconds a `send` waits for its reply. @default 30000 */
  requestTimeout?: number;
  /** Milliseconds a message waits for a reconnect while the connection is down, before erroring. @default 10000 */
  reconnectWait?: number;
  /** Where replies come back. @default a fresh `/temp-queue/nestjs-stomp-<uuid>` per client */
  replyTo?: string;
  /**
   * SUBSCRIBE to `replyTo`. `'auto'` does so except on RabbitMQ, which subscribes a connection to
   * the temp queues it names in `reply-to` by itself (and delivers under a subscription id it never sent).
   * @default 'auto'
   */
  subscribeReplyTo?: boolean | 'auto';
  /** Log every frame in and out at debug level (masked: no bodies, no passcode). @default false */
  traceFrames?: boolean;
  /** Turns outgoing data into the body. @default the data itself */
  serializer?: { serialize(value: unknown): unknown };
  /** Turns a decoded reply body into the response. @default the body as decoded by content-type */
  deserializer?: { deserialize(value: unknown, options?: { frame?: Frame }): unknown };
}

interface PendingRequest {
  callback: (packet: WritePacket) => void;
  /** `performance.now()` past which the request fails. */
  deadline: number;
  destination: string;
}

/**
 * A Nest `ClientProxy` over STOMP: `emit` sends a plain message (SEND), `send` a request whose
 * reply comes back through `reply-to` and `correlation-id`.
 *
 * @example
 * ClientsModule.register([{ name: 'ORDERS', customClass: ClientStomp, options: { hosts: [['127.0.0.1', 61613]] } }]);
 */
export class ClientStomp extends ClientProxy<StompEvents> {
  private connection: StompConnection | null = null;
  private connecting: Promise<StompConnection> | null = null;
  /** The connection of the first connect while it is under way, for close() to stop. */
  private opening: StompConnection | null = null;
  /** Requests waiting for replies, oldest first: with one timeout per client, also earliest deadline first. */
  private readonly pending = new Map<string, PendingRequest>();
  /** One timer for every request's deadline, armed for the oldest: no timer per request. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** Correlation ids are this client's id and a counter: unique, and cheaper than a UUID each. */
  private readonly clientId = randomUUID();
  private sequence = 0;
  private readonly events = new StompEventBridge(this._status$);
  private readonly replyTo: string;
  private readonly logger = new Logger(ClientStomp.name);

  constructor(protected readonly options: ClientStompOptions = {}) {
    super();
    this.replyTo = options.replyTo ?? `/temp-queue/nestjs-stomp-${this.clientId}`;
    this.serializer = (options.serializer ?? { serialize: (value: unknown) => value }) as never;
    this.deserializer = (options.deserializer ?? { deserialize: (value: unknown) => value }) as never;
  }

  /** Connection state: connected, disconnected, reconnecting; each change once, as Nest's own clients report it. */
  override get status(): Observable<StompStatus> {
    return (this._status$ as Observable<StompStatus>).pipe(distinctUntilChanged());
  }

  /**
   * Connects (once; concurrent callers share the attempt) and prepares the reply destination.
   * While the connection is down it resolves once reconnected, joining the reconnection under way
   * or, after one gave up (a finite `reconnectAttemptsMax`), starting another.
   */
  connect(): Promise<StompConnection> {
    const connection = this.connection;
    if (connection !== null) return connection.isConnected() ? Promise.resolve(connection) : connection.connect().then(() => connection);
    if (this.connecting === null) {
      const attempt: Promise<StompConnection> = this.open().finally(() => {
        if (this.connecting === attempt) this.connecting = null;
      });
      this.connecting = attempt;
    }
    return this.connecting;
  }

  private async open(): Promise<StompConnection> {
    const connection = createNestConnection(this.options, this.logger);
    this.opening = connection;
    connection.setListener('nest-events', this.events.listener);
    connection.setListener('nest-client', {
      onMessage: (frame) => this.handleReply(frame),
      onDisconnected: () => this.failPending(new StompConnectionError('connection lost before the reply arrived', StompErrorCode.NotConnected)),
      onConnected: () => this.resubscribeReplyTo(connection),
    });
    if (this.options.traceFrames) connection.setListener('nest-trace', frameTraceListener(this.logger));
    try {
      await connection.connect();
      if (this.subscribesReplyTo(connection)) await this.subscribeReplies(connection);
    } catch (error) {
      // Connected but its reply destination refused (or the connect gave up): it must not linger, reconnecting.
      if (this.opening === connection) {
        this.opening = null;
        await connection.disconnect().catch(() => undefined);
      }
      throw error;
    }
    // close() takes the connection (and disconnects it) by clearing `opening`: then it is not kept.
    if (this.opening !== connection) throw new StompConnectionError('client closed while connecting', StompErrorCode.NotConnected);
    this.opening = null;
    this.connection = connection;
    return connection;
  }

  /**
   * After a reconnect: a failover may have moved to a broker of another kind, where the reply
   * destination needs a SUBSCRIBE that the first broker did not (RabbitMQ subscribes the sender to
   * its `/temp-queue/` itself). Once made, the engine re-sends it on every reconnect.
   */
  private resubscribeReplyTo(connection: StompConnection): void {
    if (this.connection !== connection || connection.getSubscriptions().has(REPLY_SUBSCRIPTION) || !this.subscribesReplyTo(connection)) return;
    this.subscribeReplies(connection).catch((error: Error) => this.logger.error(`could not subscribe to the reply destination ${this.replyTo}: ${error.message}`));
  }

  private subscribeReplies(connection: StompConnection): Promise<void> {
    return connection.subscribe(this.replyTo, REPLY_SUBSCRIPTION, 'auto', undefined, { receipt: true });
  }

  private subscribesReplyTo(connection: StompConnection): boolean {
    const choice = this.options.subscribeReplyTo ?? 'auto';
    if (choice !== 'auto') return choice;
    return brokerProduct(connection.connected) !== 'rabbitmq';
  }

  /** The connection, from `connect()` until `close()`; throws `StompUsageError` outside that. */
  unwrap<T = StompConnection>(): T {
    if (this.connection === null) throw new StompUsageError('ClientStomp has no connection: unwrap() works from connect() until close()', StompErrorCode.InvalidState);
    return this.connection as T;
  }

  override on<K extends keyof StompEvents>(event: K, callback: StompEvents[K]): void {
    this.events.on(event, callback);
  }

  /** Fails requests still waiting, then disconnects, stopping a first connect still under way. */
  async close(): Promise<void> {
    this.failPending(new StompConnectionError('client closed before the reply arrived', StompErrorCode.NotConnected));
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    const connection = this.connection ?? this.opening;
    this.connection = null;
    this.opening = null;
    // A connect() after close() starts afresh rather than joining the attempt being stopped.
    this.connecting = null;
    // As ServerStomp.close(): the socket is closed either way, and a shutdown should not fail for an unconfirmed DISCONNECT.
    await connection?.disconnect().catch((error: Error) => this.logger.warn(`close(): ${error.message}; the connection is closed anyway`));
  }

  /**
   * Sends the event at once and returns its outcome, as Nest's `emit` does, without the `defer`,
   * `mergeMap` and `connectable` Nest builds around every call (most of the client's garbage per
   * event: bench/RESULTS.md). The Observable emits `undefined` and completes once the frame was
   * written (or confirmed, with `confirm`), or errors; unlike Nest's, a late subscriber still hears
   * the outcome.
   */
  override emit<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.emit(pattern, data);
    const outcome = this.dispatchEvent<TResult>(this.packetOf(pattern, data));
    // Nobody has to subscribe: a failure nobody listens to must not become an unhandled rejection.
    outcome.catch(() => undefined);
    return new Observable<TResult>((subscriber) => {
      outcome.then(
        (value) => {
          subscriber.next(value);
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
    });
  }

  /**
   * A request whose reply comes back through `reply-to`; cold, like Nest's `send` (each subscription
   * sends once, unsubscribing stops waiting), without Nest's per-call `defer` and `mergeMap`.
   */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.send(pattern, data);
    return new Observable<TResult>((observer) => this.publish(this.packetOf(pattern, data), this.createObserver(observer)));
  }

  /** Nest 12 builds packets through its dispatch hook; Nest 11 has neither. */
  private packetOf(pattern: unknown, data: unknown): ReadPacket {
    return typeof this.createPacket === 'function' ? this.createPacket(pattern, data) : { pattern, data };
  }

  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return this.write(packet, undefined, this.options.confirm ?? false) as Promise<unknown> as Promise<T>;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const id = `${this.clientId}-${++this.sequence}`;
    const timeout = this.options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT;
    this.pending.set(id, { callback, deadline: performance.now() + timeout, destination: String(packet.pattern) });
    this.deadlineTimer ??= this.armDeadline(timeout);
    this.write(packet, { [REPLY_TO_HEADER]: this.replyTo, [CORRELATION_ID_HEADER]: id }, false, id).catch((error: unknown) =>
      this.finish(id, { err: error, isDisposed: true }),
    );
    return () => this.forget(id);
  }

  /**
   * Encodes and sends one message, waiting for a (re)connect (up to `reconnectWait`) when down. A
   * request (`requestId`) whose caller stopped waiting meanwhile is not sent.
   */
  private write(packet: ReadPacket, headers: Record<string, string> | undefined, receipt: boolean, requestId?: string): Promise<void> {
    let destination: string;
    let options: SendOptions;
    let body: string | Buffer;
    try {
      destination = this.normalizePattern(packet.pattern);
      if (typeof packet.pattern !== 'string' || destination.length === 0) {
        throw new StompUsageError(`STOMP patterns are destinations such as '/queue/orders'; got ${JSON.stringify(packet.pattern)}`);
      }
      const message = encodeMessage((this.serializer as Required<ClientStompOptions>['serializer']).serialize(packet.data));
      body = message.body;
      // Nest 12's dispatch hook (tracing) attaches metadata to the packet: on STOMP it travels as headers.
      const metadata = (packet as { metadata?: Record<string, string> }).metadata;
      options = { contentType: message.contentType, headers: metadata === undefined && message.headers === undefined ? headers : { ...metadata, ...message.headers, ...headers }, receipt };
    } catch (error) {
      return Promise.reject(error);
    }
    const connection = this.connection;
    // Connected (the common case): no extra Promise turn before the frame is written.
    if (connection !== null && connection.isConnected()) return connection.send(destination, body, options);
    return this.whenConnected().then((ready) => (requestId !== undefined && !this.pending.has(requestId) ? undefined : ready.send(destination, body, options)));
  }

  /** {@link connect}, failing after `reconnectWait`: a message never waits for a broker that stays away. */
  private whenConnected(): Promise<StompConnection> {
    const wait = this.options.reconnectWait ?? DEFAULT_RECONNECT_WAIT;
    const connected = this.connect();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StompConnectionError(`not connected, and no reconnect within ${wait} ms`, StompErrorCode.NotConnected)), wait);
    });
    return Promise.race([connected, expired]).finally(() => clearTimeout(timer));
  }

  /** Routes a reply by its correlation id; replies nobody waits for any more are dropped. */
  private handleReply(frame: Frame): void {
    const id = frame.header(CORRELATION_ID_HEADER);
    if (id === undefined || !this.pending.has(id)) return;
    let decoded: unknown;
    try {
      decoded = (this.deserializer as Required<ClientStompOptions>['deserializer']).deserialize(decodePayload(frame), { frame });
    } catch (error) {
      return this.finish(id, { err: error, isDisposed: true });
    }
    this.finish(id, replyPacket(frame, decoded));
  }

  private finish(id: string, packet: WritePacket): void {
    const request = this.pending.get(id);
    if (request === undefined) return;
    this.forget(id);
    // A streamed answer restarts the wait for the next one; re-inserted, the request keeps the map
    // in deadline order.
    if (!packet.isDisposed) this.pending.set(id, { ...request, deadline: performance.now() + (this.options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT) });
    request.callback(packet);
  }

  private forget(id: string): void {
    this.pending.delete(id);
  }

  /**
   * Fails every request past its deadline, then waits for the next oldest one. The timer stays armed
   * when the last reply arrives (no timer churn per request one after the other) and is unref'd: the
   * socket keeps the process alive while requests wait, the timer must not once they are answered.
   */
  private armDeadline(delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.deadlineTimer = undefined;
      const timeout = this.options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT;
      const now = performance.now();
      for (const [id, request] of this.pending) {
        if (request.deadline > now) {
          this.deadlineTimer = this.armDeadline(request.deadline - now);
          return;
        }
        this.finish(id, { err: new StompTimeoutError(`reply from ${request.destination}`, timeout), isDisposed: true });
      }
    }, delayMs);
    return timer.unref();
  }

  private failPending(error: Error): void {
    for (const id of [...this.pending.keys()]) this.finish(id, { err: error, isDisposed: true });
  }
}
