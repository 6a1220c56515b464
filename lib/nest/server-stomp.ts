import { isDeepStrictEqual } from 'node:util';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom, type Subscription } from 'rxjs';
import {
  StompConnection,
  StompErrorCode,
  StompUsageError,
  type AckMode,
  type ConnectionOptions,
  type Frame,
  type HeadersInit,
} from '../engine';
import {
  CORRELATION_ID_HEADER,
  DEFAULT_CONCURRENCY,
  DEFAULT_SHUTDOWN_TIMEOUT,
  REPLY_STATUS_HEADER,
  REPLY_TO_HEADER,
  STOMP_TRANSPORT,
} from './constants';
import { frameTraceListener, type TraceLogger } from './frame-trace.listener';
import { createNestConnection } from './nest-connection';
import { decodePayload } from './payload';
import { encodeMessage, type EncodedMessage } from './stomp.record-builder';
import type { ReplyStatus } from './reply';
import { MessageState, StompContext } from './stomp.context';
import { StompEventBridge } from './stomp-event-bridge';
import type { StompEvents, StompStatus } from './stomp.events';
import { SubscriptionWorker, type Outcome } from './subscription-worker';

/** Per-handler subscription settings, given as the extras of `@EventPattern` / `@MessagePattern`. */
export interface StompSubscriptionExtras {
  /** Ack mode of this subscription. @default the server's `ack` */
  ack?: AckMode;
  /** The handler settles every message through the context; the transport never does. @default the server's `manualAck` */
  manualAck?: boolean;
  /** Handlers running at once for this subscription. @default the server's `concurrency` */
  concurrency?: number;
  /**
   * Extra SUBSCRIBE headers (`selector`, `durable`, `x-queue-type`…); a prefetch header here wins over
   * the derived one, and an `id` is the subscription id (by default `nest-<n>`, from the handler's
   * place among all handlers), which a durable subscription on RabbitMQ needs to keep.
   */
  headers?: Record<string, string>;
}

/** Options of {@link ServerStomp}: every engine option, plus the transport's. */
export interface ServerStompOptions extends ConnectionOptions {
  /** Default ack mode of every subscription. @default 'client-individual' */
  ack?: AckMode;
  /** Handlers settle messages themselves through {@link StompContext}. @default false */
  manualAck?: boolean;
  /** Handlers running at once per subscription; also the broker prefetch for client acks. @default 1 */
  concurrency?: number;
  /** Milliseconds `close()` waits for running handlers. @default 10000 */
  shutdownTimeout?: number;
  /** Log every frame in and out at debug level (masked: no bodies, no passcode). @default false */
  traceFrames?: boolean;
  /** Turns a decoded body into the handler's payload. @default the body as decoded by content-type */
  deserializer?: { deserialize(value: unknown, options?: { channel?: string; frame?: Frame }): unknown };
  /** Turns a handler's answer into the reply body. @default the answer itself */
  serializer?: { serialize(value: unknown): unknown };
}

interface Route {
  id: string;
  destination: string;
  handler: MessageHandler;
  worker: SubscriptionWorker;
  /** Messages RabbitMQ had on their way when close() unsubscribed, and dropped (see {@link ServerStomp.close}). */
  droppedInFlight: number;
}

/**
 * A Nest microservice transport over STOMP: every `@EventPattern` / `@MessagePattern` destination
 * becomes a SUBSCRIBE, messages from any producer reach the handler decoded by content type, and
 * the transport acknowledges after the handler's result completed (NACK when it failed).
 *
 * @example
 * const app = await NestFactory.createMicroservice(AppModule, {
 *   strategy: new ServerStomp({ hosts: [['127.0.0.1', 61613]], login: 'guest', passcode: 'guest' }),
 * });
 */
export class ServerStomp extends Server<StompEvents, StompStatus> implements CustomTransportStrategy {
  override readonly transportId = STOMP_TRANSPORT;
  /** Handler errors reach the transport, which NACKs and logs them (Nest 12; Nest 11 always propagates). */
  override readonly propagatesEventHandlerErrors = true;
  private connection: StompConnection | null = null;
  private readonly routes = new Map<string, Route>();
  private readonly events = new StompEventBridge(this._status$);
  private closing = false;
  /** Whether a processing hook was set (Nest 11.2+): see {@link process}. */
  private processingHooked = false;

  constructor(private readonly options: ServerStompOptions = {}) {
    super();
    // Nest's default deserializer wraps foreign payloads in a {pattern, data} envelope; STOMP peers
    // send plain bodies, so the defaults here pass values through.
    this.serializer = (options.serializer ?? { serialize: (value: unknown) => value }) as never;
    this.deserializer = (options.deserializer ?? { deserialize: (value: unknown) => value }) as never;
  }

  /**
   * Rejects what cannot become one subscription: a non-string pattern, or a destination with two
   * handlers unless both are `@EventPattern`s with the same subscription settings, which then share
   * it and run one after the other on each message.
   */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new StompUsageError(`STOMP patterns are destinations such as '/queue/orders'; got ${JSON.stringify(pattern)}`);
    }
    const existing = this.messageHandlers.get(pattern);
    if (existing !== undefined && !(isEventHandler && existing.isEventHandler && isDeepStrictEqual(existing.extras ?? {}, extras))) {
      throw new StompUsageError(
        `destination ${pattern} has two handlers; only @EventPattern handlers with the same subscription settings share one (each message runs them all)`,
      );
    }
    if (existing === undefined) return super.addHandler(pattern, callback, isEventHandler, extras);
    // Not Nest's chaining (which addHandler does for a pattern it has): they run one after the other.
    const both = inTurn(existing, callback);
    both.isEventHandler = true;
    both.extras = extras;
    this.messageHandlers.set(pattern, both);
  }

  /** Connects and subscribes once per handler. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const connection = this.createConnection();
      this.bindRoutes(connection);
      await connection.connect();
      for (const route of this.routes.values()) {
        const extras = this.extrasOf(route.handler);
        await connection.subscribe(route.destination, route.id, this.ackOf(extras), this.subscribeHeaders(extras), { receipt: true });
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Creates the engine connection; override to customise it. */
  protected createConnection(): StompConnection {
    const connection = createNestConnection(this.options, this.logger);
    connection.setListener('nest-events', this.events.listener);
    connection.setListener('nest-server', {
      onMessage: (frame) => this.handleMessage(frame),
      onDeliveryAfterUnsubscribe: (id) => {
        const route = this.routes.get(id);
        if (route !== undefined) route.droppedInFlight += 1;
      },
      // Otherwise only on('error') callbacks would see it; a cancelled subscription is also why the server reconnects.
      onError: (frame) => this.logger.warn?.(`broker ERROR: ${frame.header('message') ?? frame.text()}${frame.header('subscription') === undefined ? '' : ` (subscription ${frame.header('subscription')})`}`),
    });
    if (this.options.traceFrames) connection.setListener('nest-trace', frameTraceListener(this.traceLogger()));
    this.connection = connection;
    return connection;
  }

  private traceLogger(): TraceLogger {
    return { debug: (message) => this.logger.debug?.(message) };
  }

  private bindRoutes(connection: StompConnection): void {
    let index = 0;
    for (const [destination, handler] of this.messageHandlers) {
      const extras = this.extrasOf(handler);
      // A durable subscription needs an id that does not change when handlers are added or moved.
      const id = extras.headers?.id ?? `nest-${index}`;
      index += 1;
      if (this.routes.has(id)) throw new StompUsageError(`subscription id ${id} of ${destination} is already used for ${this.routes.get(id)!.destination}`);
      const worker = new SubscriptionWorker(
        connection,
        { ack: this.ackOf(extras), manualAck: extras.manualAck ?? this.options.manualAck ?? false, concurrency: this.concurrencyOf(extras) },
        (frame) => this.process(frame, destination, handler),
        (error, frame) => this.logger.warn?.(`could not settle message ${frame.header('message-id')} of ${destination}: ${(error as Error).message}`),
      );
      this.routes.set(id, { id, destination, handler, worker, droppedInFlight: 0 });
    }
  }

  private extrasOf(handler: MessageHandler): StompSubscriptionExtras {
    return ((handler as { extras?: StompSubscriptionExtras }).extras ?? {}) as StompSubscriptionExtras;
  }

  private ackOf(extras: StompSubscriptionExtras): AckMode {
    return extras.ack ?? this.options.ack ?? 'client-individual';
  }

  private concurrencyOf(extras: StompSubscriptionExtras): number {
    const concurrency = extras.concurrency ?? this.options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new StompUsageError(`concurrency must be a whole number >= 1, got ${concurrency}`);
    return concurrency;
  }

  /**
   * SUBSCRIBE headers: the prefetch of both RabbitMQ (`prefetch-count`) and ActiveMQ
   * (`activemq.prefetchSize`) set to the concurrency for client acks, so a slow handler holds back
   * delivery at the broker instead of in this process. Each broker ignores the other's header.
   */
  private subscribeHeaders(extras: StompSubscriptionExtras): HeadersInit {
    const prefetch = this.ackOf(extras) === 'auto' ? {} : { 'prefetch-count': String(this.concurrencyOf(extras)), 'activemq.prefetchSize': String(this.concurrencyOf(extras)) };
    // The id is the route's (see bindRoutes), which subscribe() writes itself.
    const { id: _id, ...headers } = extras.headers ?? {};
    return { ...prefetch, ...headers };
  }

  /** Routes a MESSAGE by its subscription id, not its destination (wildcards deliver concrete ones). */
  protected handleMessage(frame: Frame): void {
    const route = this.routes.get(frame.header('subscription') ?? '');
    if (route === undefined) {
      this.logger.warn?.(`MESSAGE for unknown subscription ${frame.header('subscription')} dropped`);
      return;
    }
    route.worker.deliver(frame);
  }

  /** Runs the handler on one message, inside Nest's processing hooks, and says how to settle it. */
  private process(frame: Frame, destination: string, handler: MessageHandler): Promise<Outcome> {
    const state = new MessageState();
    // A request's failure goes back to its requester, which settles the message: see reply().
    state.errorsAnswered = !handler.isEventHandler && frame.header(REPLY_TO_HEADER) !== undefined;
    // The connection of this delivery: close() may drop this.connection while the handler still runs.
    const context = new StompContext([frame, this.connection!, state, destination]);
    if (!this.processingHooked) return this.handle(context, destination, handler);
    return this.withHooks(context, () => this.handle(context, destination, handler));
  }

  /**
   * Runs `handle` inside the processing hooks. Handling starts once, however often the start hook
   * calls `done`; a start hook that fails (throwing, or rejecting when async) before calling it is
   * logged and the message NACKed; one that fails afterwards is logged, and the handling decides.
   */
  private withHooks(context: StompContext, handle: () => Promise<Outcome>): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      let outcome: Promise<Outcome> | undefined;
      const done = (): Promise<Outcome> => {
        if (outcome === undefined) {
          outcome = handle().finally(() => this.runEndHook(context));
          outcome.then(resolve, reject);
        }
        return outcome;
      };
      const failed = (error: unknown): void => {
        this.logger.error(`processing start hook failed: ${describe(error)}`);
        if (outcome === undefined) resolve('nack');
      };
      try {
        const started: unknown = this.onProcessingStartHook(this.transportId, context, done);
        if (started instanceof Promise) started.catch(failed);
      } catch (error) {
        failed(error);
      }
    });
  }

  private async handle(context: StompContext, destination: string, handler: MessageHandler): Promise<Outcome> {
    const frame = context.getFrame();
    let failed = false;
    try {
      const decoded: unknown = this.deserializer.deserialize(decodePayload(frame), { channel: destination, frame } as never);
      // A deserializer may be async; the usual one is not, and awaiting a plain value cost a round trip 4.6k instructions (2.7 %).
      const data = decoded instanceof Promise ? await decoded : decoded;
      // Without interceptors Nest's handler resolves to the plain result: no Observable is made for it.
      if (handler.isEventHandler) await completion(handler(data, context));
      else failed = await this.reply(context.getConnection(), frame, await handler(data, context));
    } catch (error) {
      failed = true;
      // Nest's exception filter has logged an unknown error with its stack, and hands over only a generic envelope.
      if (!isNestUnknownError(error)) this.logger.error(`handler for ${destination} failed on message ${frame.header('message-id')}: ${describe(error)}`);
    }
    if (context.isSettled()) return context.getState().settlement === 'left' ? 'left' : 'settled';
    return failed ? 'nack' : 'ack';
  }

  /** A failing end hook (instrumentation) is logged; it must not turn a handled message into a NACK. */
  private runEndHook(context: StompContext): void {
    try {
      this.onProcessingEndHook?.(this.transportId, context);
    } catch (error) {
      this.logger.error(`processing end hook failed: ${describe(error)}`);
    }
  }

  /** Nest 11.2+ lets instrumentation wrap each message's processing; without a start hook set, none is paid for. */
  override setOnProcessingStartHook(hook: Parameters<Server['setOnProcessingStartHook']>[0]): void {
    this.processingHooked = true;
    super.setOnProcessingStartHook(hook);
  }

  /** An end hook alone runs too: behind Nest's default start hook, which just calls `done`. */
  override setOnProcessingEndHook(hook: Parameters<Server['setOnProcessingEndHook']>[0]): void {
    this.processingHooked = true;
    super.setOnProcessingEndHook(hook);
  }

  /**
   * Sends the handler's answers to `reply-to`. A single answer is one plain reply that any STOMP
   * requester understands; of an Observable's answers, each waits for the next turn of the event loop,
   * so the last one, when the stream ends in the same turn (a value mapped by an interceptor, a
   * Promise), still goes out as that plain reply, and a later one is never held back for the one after it.
   * Sends are chained, so replies leave in order. `undefined` is no answer (as in Nest, the request
   * completes without a value). An answer that cannot be encoded is answered as an error. Resolves
   * with whether the handler failed without anyone to tell (no `reply-to`); rejects when a reply
   * could not be sent.
   */
  private reply(connection: StompConnection, request: Frame, result: unknown): Promise<boolean> {
    const replyTo = request.header(REPLY_TO_HEADER);
    const correlationId = request.header(CORRELATION_ID_HEADER);
    const send = async (status: ReplyStatus, value?: unknown): Promise<void> => {
      if (replyTo === undefined) {
        this.logger.debug?.(`no reply-to on ${request.header('destination')}: ${status} reply dropped`);
        return;
      }
      let payload: EncodedMessage | undefined;
      try {
        // A StompRecord answer brings its headers and content type, as an RmqRecord does on Nest's RMQ.
        payload = status === 'complete' ? undefined : encodeMessage(status === 'error' ? value : (this.serializer as Required<ServerStompOptions>['serializer']).serialize(value));
      } catch (error) {
        this.logger.error(`answer to ${request.header('destination')} cannot be sent: ${describe(error)}`);
        status = 'error';
        payload = encodeMessage(errorBody(error));
      }
      // A reply without the header is final (as from any plain STOMP responder): the usual single
      // answer carries none, which also spares ActiveMQ a JMS property per reply.
      const headers: Record<string, string> = { ...payload?.headers };
      if (status !== 'final') headers[REPLY_STATUS_HEADER] = status;
      if (correlationId !== undefined) headers[CORRELATION_ID_HEADER] = correlationId;
      await connection.send(replyTo, payload?.body ?? '', { contentType: payload?.contentType, headers });
    };
    if (!isObservable(result)) return send(result === undefined ? 'complete' : 'final', result).then(() => false);
    return new Promise<boolean>((resolve, reject) => {
      let sent: Promise<void> = Promise.resolve();
      // The first reply that could not be sent: reply() rejects with it at once and the stream is
      // unsubscribed (an endless one would hold the message and its handler slot for good); the
      // replies queued after it are not tried.
      let failed = false;
      let held: { value: unknown } | undefined;
      let release: NodeJS.Immediate | undefined;
      let subscription: Subscription | undefined;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        clearImmediate(release);
        subscription?.unsubscribe();
        reject(error);
      };
      const enqueue = (status: ReplyStatus, value?: unknown): void => {
        sent = sent.then(() => (failed ? undefined : send(status, value))).catch(fail);
      };
      const settle = (failedUnanswered: boolean): void => {
        void sent.then(() => resolve(failedUnanswered));
      };
      /** Sends the held answer, if any, as `status`; says whether there was one. */
      const flush = (status: 'next' | 'final'): boolean => {
        clearImmediate(release);
        const answer = held;
        held = undefined;
        if (answer !== undefined) enqueue(status, answer.value);
        return answer !== undefined;
      };
      subscription = result.subscribe({
        next: (value) => {
          if (value === undefined) return;
          flush('next');
          held = { value };
          release = setImmediate(() => flush('next'));
        },
        error: (error: unknown) => {
          flush('next');
          enqueue('error', errorBody(error));
          settle(replyTo === undefined);
        },
        complete: () => {
          if (!flush('final')) enqueue('complete');
          settle(false);
        },
      });
    });
  }

  /** The connection, from `listen()` until `close()`; throws `StompUsageError` outside that. */
  unwrap<T = StompConnection>(): T {
    if (this.connection === null) throw new StompUsageError('ServerStomp has no connection: unwrap() works from listen() until close()', StompErrorCode.InvalidState);
    return this.connection as T;
  }

  on<K extends keyof StompEvents>(event: K, callback: StompEvents[K]): void {
    this.events.on(event, callback);
  }

  /**
   * Stops starting handlers on client-ack messages, lets running ones finish and settle (up to
   * `shutdownTimeout`), then UNSUBSCRIBEs and disconnects; client-ack messages not handled stay with
   * the broker. `auto` subscriptions are UNSUBSCRIBEd first, since everything the broker still pushes
   * to them counts as delivered, and what they received is still handled within `shutdownTimeout`;
   * client ack subscriptions are UNSUBSCRIBEd only after their handlers settled, because both
   * RabbitMQ and ActiveMQ refuse an ACK for a subscription that is gone.
   */
  async close(): Promise<void> {
    const connection = this.connection;
    if (connection === null || this.closing) return;
    this.closing = true;
    const routes = [...this.routes.values()];
    routes.forEach((route) => route.worker.stop());
    const unsubscribe = (list: Route[]): Promise<unknown> =>
      // With a receipt: for `auto`, the MESSAGEs the broker pushed before the UNSUBSCRIBE have then arrived (from RabbitMQ, by the DISCONNECT's receipt: see below).
      Promise.all(list.map((route) => (connection.isConnected() ? connection.unsubscribe(route.id, { receipt: true }).catch(() => undefined) : undefined)));
    await unsubscribe(routes.filter((route) => route.worker.ackMode === 'auto'));
    const timeout = this.options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeout)));
    /** Waits, within the one shutdownTimeout, for the handlers; says whether they finished. */
    // Idle now wins over a deadline that has passed: the race would take the timeout already settled.
    const drain = async (): Promise<boolean> =>
      routes.every((route) => route.worker.isIdle) || (await Promise.race([Promise.all(routes.map((route) => route.worker.idle())), expired])) !== 'expired';
    const drained = await drain();
    if (!drained) this.giveUpOn(routes, timeout);
    await unsubscribe(routes.filter((route) => route.worker.ackMode !== 'auto'));
    await connection.disconnect().catch((error: Error) => this.logger.warn?.(`disconnect: ${error.message}`));
    // RabbitMQ may write an auto subscription's MESSAGEs after the UNSUBSCRIBE's RECEIPT (they wait in
    // its connection process while it cancels the consumer), but before the DISCONNECT's: those
    // arrived during disconnect() and are handled too.
    if (drained && !(await drain())) this.giveUpOn(routes, timeout);
    this.reportDroppedInFlight(routes);
    clearTimeout(timer);
    this.connection = null;
    this.routes.clear();
  }

  /**
   * RabbitMQ drops the messages that were on their way to a subscription when it ended, telling of
   * each in an ERROR: a client-ack one goes back to its queue with the connection, an ack-auto one
   * counted as delivered is lost, which is said once per subscription.
   */
  private reportDroppedInFlight(routes: readonly Route[]): void {
    for (const route of routes) {
      if (route.worker.ackMode !== 'auto' || route.droppedInFlight === 0) continue;
      this.logger.warn?.(`close(): RabbitMQ dropped ${route.droppedInFlight} messages of ${route.destination} (ack auto) that were on their way when it was unsubscribed; they are lost`);
    }
  }

  /** close() waited out shutdownTimeout: messages still waiting for a handler are dropped, and it says so. */
  private giveUpOn(routes: readonly Route[], timeout: number): void {
    const dropped = routes.reduce((sum, route) => sum + route.worker.abandon(), 0);
    const lost = dropped === 0 ? '' : `; ${dropped} messages of ack-auto subscriptions not handled are lost (the broker counted them delivered)`;
    this.logger.warn?.(`close(): handlers still running after ${timeout} ms; closing anyway, their messages stay unacknowledged${lost}`);
  }
}

/**
 * Two event handlers of one destination as one: each message runs both, one after the other, and
 * fails, once both ran, with the first failure. Nest would chain them to run at once (forkJoin),
 * where a failure settles the message while the other still runs, and one that completes without
 * a value cancels the other.
 */
function inTurn(first: MessageHandler, second: MessageHandler): MessageHandler {
  return (async (data: unknown, context: unknown): Promise<void> => {
    let failure: { error: unknown } | undefined;
    for (const handler of [first, second]) {
      try {
        await completion(handler(data, context));
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }) as unknown as MessageHandler;
}

/** Waits for a handler's result: a value, a Promise, or an Observable to its end. */
async function completion(result: unknown): Promise<void> {
  const value: unknown = await result;
  if (isObservable(value)) await lastValueFrom(value, { defaultValue: undefined });
}

/** The error as a requester should see it: Nest's filters already turned it into a plain object. */
function errorBody(error: unknown): unknown {
  if (error instanceof Error) return { status: 'error', message: error.message };
  return error ?? { status: 'error', message: 'unknown error' };
}

/** What Nest's RPC exception filter turns an error that is not an `RpcException` into, after logging it. */
function isNestUnknownError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { status, message, ...rest } = error as Record<string, unknown>;
  return status === 'error' && message === 'Internal server error' && Object.keys(rest).length === 0;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) return JSON.stringify(error);
  return String(error);
}

