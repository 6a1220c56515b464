import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { reconnectDelay } from './backoff';
import { isUtf8Encoding } from './buffer-text';
import { FrameDecoder } from './decoder';
import { brokerProduct } from './broker-product';
import { encodeFrame, type EncodeOptions } from './encoder';
import { formatEndpoint, type Endpoint } from './endpoints';
import {
  StompAuthenticationError,
  StompBrokerError,
  StompConnectionError,
  StompError,
  StompErrorCode,
  StompFrameError,
  StompTimeoutError,
  StompUsageError,
} from './errors';
import { appendHeaders, Frame, headerEntries, type HeaderEntry, type HeadersInit } from './frame';
import { HeartbeatMonitor, negotiateHeartbeats, type HeartbeatIntervals } from './heartbeat';
import type { ConnectionListener, ListenerEvent } from './listener';
import { RECONNECT_FOREVER, resolveOptions, type ConnectionOptions, type ResolvedOptions } from './options';
import { SettlementTracker } from './settlement-tracker';
import { openSocket } from './socket';
import { TickWriter } from './tick-writer';
import { acceptedVersions, type StompVersion } from './versions';

/** Acknowledgement modes of SUBSCRIBE. */
export type AckMode = 'auto' | 'client' | 'client-individual';

/** Arguments of {@link StompConnection.connect}. */
export interface ConnectArgs {
  /** Overrides the `login` option. */
  login?: string;
  /** Overrides the `passcode` option. */
  passcode?: string;
  /**
   * Resolve only once CONNECTED arrived (true), or at once, the attempt going on in the background
   * and its failure reported to listeners' `onConnectionError` (false). @default true
   */
  wait?: boolean;
  /** Extra CONNECT headers (e.g. `client-id` for ActiveMQ durable subscriptions). */
  headers?: HeadersInit;
  /** Send CONNECT instead of STOMP on 1.1/1.2 (1.0 always sends CONNECT). @default false */
  withConnectCommand?: boolean;
}

/** Per-frame options shared by the methods that write a frame. */
export interface FrameOptions {
  /** Extra headers, written after the ones the method sets. */
  headers?: HeadersInit;
  /** Ask for a RECEIPT: `true` for a generated id, or the id to use. The Promise then resolves on the RECEIPT. */
  receipt?: boolean | string;
}

/** Options of {@link StompConnection.send}. */
export interface SendOptions extends FrameOptions {
  /** The `content-type` header. */
  contentType?: string;
  /** Send inside this transaction (from {@link StompConnection.begin}). */
  transaction?: string;
}

/** Options of {@link StompConnection.ack} and {@link StompConnection.nack}. */
export interface AckOptions extends FrameOptions {
  /** Acknowledge inside this transaction. */
  transaction?: string;
}

/** What a subscription was created with; re-sent as is after every reconnect. */
export interface Subscription {
  readonly id: string;
  readonly destination: string;
  readonly ack: AckMode;
  readonly headers: readonly HeaderEntry[];
}

type State = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** A frame and its bytes, encoded ahead of writing. */
interface EncodedFrame {
  frame: Frame;
  chunks: Buffer[];
}

interface ReceiptWaiter extends Waiter {
  timer: NodeJS.Timeout;
}

const RESOLVED: Promise<void> = Promise.resolve();
const EOL = Buffer.from('\n');
/** A session the broker ends sooner than this after CONNECTED did not take: the next reconnect backs off. */
const SHORT_SESSION_MS = 1000;

/**
 * A STOMP connection with failover, reconnection and heart-beats; stomp.py's `Connection` in
 * idiomatic TypeScript. Every method that writes a frame returns a Promise that resolves once the
 * frame is handed to the socket (or, with `receipt`, once the broker confirmed it) and rejects with
 * a {@link StompError}. Frames leave in call order.
 *
 * @example
 * const conn = new StompConnection({ hosts: [['127.0.0.1', 61613]], login: 'guest', passcode: 'guest' });
 * conn.setListener('', { onMessage: (frame) => console.log(frame.text()) });
 * await conn.connect();
 * await conn.subscribe('/queue/test', '1');
 * await conn.send('/queue/test', 'hello');
 */
export class StompConnection {
  /** The options in force, defaults applied. */
  readonly options: ResolvedOptions;
  /** How frames are encoded for the broker of this session (ActiveMQ Classic wants Java's text). */
  private encodeOptions: EncodeOptions;
  private readonly listeners = new Map<string, ConnectionListener>();
  /** The listeners as an array, replaced (never mutated) on change: emitting copies nothing per frame. */
  private listenerList: readonly ConnectionListener[] = [];
  /**
   * Whether any listener takes the events emitted per frame (an EOL follows every frame from both
   * brokers; onSend every frame out): unheard, each costs this read instead of a pass over the listeners.
   */
  private heard = { onHeartbeat: false, onSend: false };
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly settlements = new SettlementTracker();
  private readonly receipts = new Map<string, ReceiptWaiter>();
  private readonly decoder: FrameDecoder;
  private state: State = 'disconnected';
  private socket: Socket | null = null;
  /** The socket whose read is being decoded: what follows in a read after it was dropped is not delivered. */
  private reading: Socket | null = null;
  private negotiated: StompVersion | null = null;
  private connectedFrame: Frame | null = null;
  /**
   * RabbitMQ applies a cumulative (`client`) ACK or NACK to every earlier unacknowledged message of
   * the connection, whatever its subscription, against the spec's "of the subscription": another
   * subscription's message whose handler still runs would be acknowledged, and its own NACK then
   * fail the connection. So there a `client` subscription is made `client-individual` on the wire,
   * and its cumulative settling written as one frame per message it covers.
   */
  private settlesOneByOne = false;
  private heartbeat: HeartbeatMonitor | null = null;
  private heartbeats: HeartbeatIntervals = { sendMs: 0, receiveMs: 0 };
  private connectArgs: ConnectArgs = {};
  private connecting: Promise<void> | null = null;
  /** The disconnect() under way, if any. */
  private disconnecting: Promise<void> | null = null;
  /** disconnect() calls so far: a connect() waiting for one under way gives way to a later call. */
  private stops = 0;
  private connectedWaiter: Waiter | null = null;
  private cancelSleep: (() => void) | null = null;
  /** Aborts the TCP/TLS connect under way, if any. */
  private opening: AbortController | null = null;
  private stopRequested = false;
  /** Whether CONNECTED was ever received: reconnecting, not connecting for the first time. */
  private hadSession = false;
  /** When the current session's CONNECTED arrived (performance.now()). */
  private connectedAt = 0;
  /**
   * Sessions in a row that the broker ended within {@link SHORT_SESSION_MS} of CONNECTED: each
   * counts as a failed pass, so the reconnect after one waits with the usual backoff.
   */
  private shortSessions = 0;
  private lastFrame: Frame | undefined;
  /**
   * The message tracked last and its ack id: a handler that acks the message it was given (the usual
   * way) settles it without finding and unescaping the header a second time.
   */
  private lastTracked: Frame | undefined;
  private lastTrackedId = '';
  private lastRead = 0;
  private readonly writer = new TickWriter();
  private sequence = 0;
  private drained: Promise<void> | null = null;
  private currentEndpoint: Endpoint | null = null;

  constructor(options: ConnectionOptions = {}) {
    this.options = resolveOptions(options);
    this.encodeOptions = this.options;
    this.decoder = new FrameDecoder(
      {
        onFrame: (frame) => this.onFrame(frame),
        onHeartbeat: () => {
          if (this.heard.onHeartbeat) this.emit('onHeartbeat');
        },
      },
      this.options,
    );
  }

  // ---------------------------------------------------------------- listeners

  /** Adds or replaces the listener called `name`. */
  setListener(name: string, listener: ConnectionListener): void {
    this.listeners.set(name, listener);
    this.listenersChanged();
  }

  /** The listener called `name`, if any. */
  getListener(name: string): ConnectionListener | undefined {
    return this.listeners.get(name);
  }

  /** Removes the listener called `name`. */
  removeListener(name: string): void {
    this.listeners.delete(name);
    this.listenersChanged();
  }

  private listenersChanged(): void {
    this.listenerList = [...this.listeners.values()];
    this.heard = { onHeartbeat: this.hasListener('onHeartbeat'), onSend: this.hasListener('onSend') };
  }

  private hasListener(event: ListenerEvent): boolean {
    for (const listener of this.listenerList) if (listener[event] !== undefined) return true;
    return false;
  }

  private emit<E extends ListenerEvent>(event: E, ...args: Parameters<NonNullable<ConnectionListener[E]>>): void;
  // Every callback takes at most one argument: passing it as such spares an array per MESSAGE.
  private emit(event: ListenerEvent, arg?: unknown): void {
    for (const listener of this.listenerList) {
      const callback = listener[event] as ((a: unknown) => unknown) | undefined;
      if (callback === undefined) continue;
      try {
        const result = callback.call(listener, arg);
        if (result instanceof Promise) result.catch((error: unknown) => reportListenerError(event, error));
      } catch (error) {
        reportListenerError(event, error);
      }
    }
  }

  // ---------------------------------------------------------------- state

  /** Whether CONNECTED has been received on the current socket. */
  isConnected(): boolean {
    return this.state === 'connected';
  }

  /** The version the broker chose, once connected. */
  get version(): StompVersion | null {
    return this.negotiated;
  }

  /** The broker's CONNECTED frame (server, session, heart-beat), once connected. */
  get connected(): Frame | null {
    return this.connectedFrame;
  }

  /** The negotiated heart-beat intervals in milliseconds. */
  get heartbeatIntervals(): HeartbeatIntervals {
    return this.heartbeats;
  }

  /**
   * How long the broker may stay silent before the connection is dropped: the receive interval ×
   * `heartbeatReceiveScale`, one interval more on ActiveMQ Classic; 0 without receive heart-beats.
   */
  get heartbeatTimeoutMs(): number {
    return Math.round(this.heartbeats.receiveMs * this.receiveScale());
  }

  /** The broker currently connected to, as `[host, port]`. */
  get hostAndPort(): readonly [string, number] | null {
    return this.currentEndpoint && [this.currentEndpoint.host, this.currentEndpoint.port];
  }

  /**
   * Milliseconds since anything (a frame or a heart-beat) last arrived on the current connection,
   * or null when not connected: how alive the broker looks, for health checks.
   */
  get lastReceivedAgoMs(): number | null {
    return this.socket === null ? null : Math.round(performance.now() - this.lastRead);
  }

  /** Active subscriptions, by id. */
  getSubscriptions(): ReadonlyMap<string, Subscription> {
    return this.subscriptions;
  }

  // ---------------------------------------------------------------- connect / disconnect

  /**
   * Connects to the first broker of the list that answers, with stomp.py's backoff between passes.
   * Joins an attempt already under way; called while a {@link disconnect} is under way, waits for it
   * to finish, then connects. Subscriptions made earlier are re-sent once CONNECTED.
   * @throws {StompFrameError} `STOMP_ERR_UNENCODABLE` at once, before any socket opens, when a CONNECT header cannot be carried (a passcode ending in CR, say).
   * @throws {StompBrokerError} when the broker refused the CONNECT (e.g. bad credentials) on the last attempt.
   * @throws {StompConnectionError} when no broker could be reached within `reconnectAttemptsMax` attempts.
   */
  connect(args: ConnectArgs = {}): Promise<void> {
    // The socket being closed must be gone before another opens; stopping it is what the caller asked for first.
    if (this.disconnecting !== null) {
      const stops = this.stops;
      // A disconnect() called after this connect() (joining the one under way) is the caller's last word.
      const queued = this.disconnecting.catch(() => undefined).then(() => {
        if (this.stops !== stops) throw new StompConnectionError('connect cancelled by disconnect()', StompErrorCode.NotConnected);
        return this.connect(args);
      });
      return args.wait === false ? this.inBackground(queued) : queued;
    }
    this.connectArgs = args;
    this.stopRequested = false;
    if (this.state === 'connected') return RESOLVED;
    const attempt = this.connecting ?? this.startConnecting();
    return args.wait === false ? this.inBackground(attempt) : attempt;
  }

  /** `connect({ wait: false })`: nobody awaits the outcome, so listeners hear of a failure instead. */
  private inBackground(attempt: Promise<void>): Promise<void> {
    attempt.catch((error: StompError) => this.emit('onConnectionError', error));
    return RESOLVED;
  }

  private startConnecting(): Promise<void> {
    const attempt = this.establish().finally(() => {
      if (this.connecting === attempt) this.connecting = null;
    });
    this.connecting = attempt;
    // A session that ended before its attempt settled (CONNECTED and the broker's ERROR cancelling a
    // subscription in one read) found the attempt under way and could not reconnect then.
    attempt.then(() => this.maybeReconnect(), () => undefined);
    return attempt;
  }

  private async establish(): Promise<void> {
    try {
      await this.tryEndpoints();
    } catch (error) {
      this.state = 'disconnected';
      throw error;
    }
  }

  private async tryEndpoints(): Promise<void> {
    const { endpoints, reconnectAttemptsMax: max } = this.options;
    // A CONNECT the wire cannot carry would fail the same on every attempt: refused before any socket opens.
    const connects = endpoints.map((endpoint) => this.encode(this.connectFrame(endpoint), this.options.version));
    let failures = 0;
    let lastError: Error | undefined;
    // A broker that accepts the session and ends it at once (a SUBSCRIBE it refuses, say) would
    // otherwise be reconnected to in a loop without pause, hundreds of times a second.
    if (this.shortSessions > 0) await this.sleep(reconnectDelay(this.shortSessions, this.options, this.options.random));
    for (let round = 1; ; round++) {
      for (const [i, endpoint] of endpoints.entries()) {
        this.checkNotStopped();
        try {
          await this.connectTo(endpoint, connects[i]);
          return;
        } catch (error) {
          // disconnect() ended this attempt: no other endpoint, no backoff sleep.
          this.checkNotStopped();
          // Refused credentials will not get better by retrying: a first connect fails at once. After a
          // session existed (a broker restarting), they may be transient and take the normal backoff.
          if (error instanceof StompAuthenticationError && !this.hadSession) throw error;
          lastError = error as Error;
          failures += 1;
          const attemptsLeft = i < endpoints.length - 1 || max === RECONNECT_FOREVER || failures < max;
          if (attemptsLeft) this.emit('onConnectAttemptFailed', asStompError(error));
        }
      }
      if (max !== RECONNECT_FOREVER && failures >= max) break;
      await this.sleep(reconnectDelay(round, this.options, this.options.random));
    }
    if (lastError instanceof StompBrokerError) throw lastError;
    const where = endpoints.map(formatEndpoint).join(', ');
    const attempts = failures === 1 ? '1 attempt' : `${failures} attempts`;
    throw new StompConnectionError(`could not connect to ${where} (${attempts}); last: ${lastError?.message}`, StompErrorCode.Connection, { cause: lastError });
  }

  /** @throws {StompConnectionError} `STOMP_ERR_NOT_CONNECTED` once disconnect() asked to stop connecting. */
  private checkNotStopped(): void {
    if (this.stopRequested) throw new StompConnectionError('connect cancelled by disconnect()', StompErrorCode.NotConnected);
  }

  private sleep(seconds: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, seconds * 1000);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.cancelSleep = done;
    }).finally(() => {
      this.cancelSleep = null;
    });
  }

  private async connectTo(endpoint: Endpoint, connect: EncodedFrame): Promise<void> {
    this.state = 'connecting';
    this.emit('onConnecting', [endpoint.host, endpoint.port]);
    const timeoutMs = this.options.timeout * 1000;
    this.opening = new AbortController();
    const socket = await openSocket(endpoint, { ...this.options, timeoutMs, signal: this.opening.signal }, (from, chunk) => this.onData(from, chunk)).finally(() => {
      this.opening = null;
    });
    // Stopped after the socket became ready, where the abort no longer reached it.
    if (this.stopRequested) socket.destroy();
    this.checkNotStopped();
    this.attach(socket, endpoint);
    let timer: NodeJS.Timeout | undefined;
    const connected = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new StompTimeoutError(`CONNECTED from ${formatEndpoint(endpoint)}`, timeoutMs)), timeoutMs);
      this.connectedWaiter = { resolve, reject };
    });
    try {
      this.writeChunks(connect.frame, connect.chunks);
      await connected;
    } catch (error) {
      this.detach(socket);
      throw error;
    } finally {
      clearTimeout(timer);
      this.connectedWaiter = null;
    }
  }

  /** @throws {StompFrameError} `STOMP_ERR_UNENCODABLE` when a header cannot be carried by `version`. */
  private encode(frame: Frame, version: StompVersion): EncodedFrame {
    return { frame, chunks: encodeFrame(frame, version, this.options) };
  }

  private connectFrame(endpoint: Endpoint): Frame {
    const { version } = this.options;
    const args = this.connectArgs;
    const login = args.login ?? this.options.login ?? endpoint.login;
    const passcode = args.passcode ?? this.options.passcode ?? (login === endpoint.login ? endpoint.passcode : undefined);
    const headers: HeaderEntry[] = [];
    if (version !== '1.0') {
      headers.push(['accept-version', acceptedVersions(version).join(',')]);
      headers.push(['host', this.options.vhost ?? '/']);
      headers.push(['heart-beat', this.options.heartbeats.join(',')]);
    } else if (this.options.vhost !== undefined) {
      headers.push(['host', this.options.vhost]);
    }
    if (login !== undefined) headers.push(['login', login]);
    if (passcode !== undefined) headers.push(['passcode', passcode]);
    const command = version === '1.0' || args.withConnectCommand ? 'CONNECT' : 'STOMP';
    const given = toEntries(args.headers);
    const overridden = new Set(given.map(([name]) => name));
    const standing = toEntries(this.options.connectHeaders).filter(([name]) => !overridden.has(name));
    return new Frame(command, [...headers, ...standing, ...given]);
  }

  /**
   * Sends DISCONNECT with a receipt, waits for it (up to `receiptTimeout`) and closes the socket.
   * Stops any connect or reconnect under way at once (a socket being opened is destroyed, and that
   * connect() rejects with a `STOMP_ERR_NOT_CONNECTED` {@link StompConnectionError}), and forgets
   * subscriptions and transactions. Called again while under way, returns the same Promise.
   * @throws {StompTimeoutError} when the broker did not confirm in time; the socket is closed anyway.
   */
  disconnect(options: { receipt?: string } = {}): Promise<void> {
    this.stops += 1;
    // A second call must not destroy the socket under the first, which still waits for its RECEIPT.
    this.disconnecting ??= this.stop(options).finally(() => {
      this.disconnecting = null;
    });
    return this.disconnecting;
  }

  private async stop(options: { receipt?: string }): Promise<void> {
    this.stopRequested = true;
    this.cancelSleep?.();
    this.opening?.abort();
    this.subscriptions.clear();
    this.shortSessions = 0;
    const socket = this.socket;
    if (this.state !== 'connected' || socket === null) {
      if (socket) this.detach(socket);
      await this.connecting?.catch(() => undefined);
      return;
    }
    this.emit('onDisconnecting');
    this.state = 'disconnecting';
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      await this.transmit(new Frame('DISCONNECT', []), options.receipt ?? true);
    } finally {
      // Nothing may be written after end(): a heart-beat would fail as 'write after end' while a slow broker closes.
      this.heartbeat?.stop();
      socket.end();
      // A broker that neither confirms nor closes must not hold us: end() gives it the FIN, destroy() the rest.
      const guard = setTimeout(() => socket.destroy(), 1000);
      await closed;
      clearTimeout(guard);
    }
  }

  // ---------------------------------------------------------------- socket plumbing

  private attach(socket: Socket, endpoint: Endpoint): void {
    this.socket = socket;
    this.currentEndpoint = endpoint;
    this.decoder.reset();
    this.decoder.setVersion('1.0');
    this.lastRead = this.writer.lastWriteAt = performance.now();
    socket.on('error', (error) => {
      if (socket === this.socket) this.emit('onConnectionError', new StompConnectionError(`socket error: ${error.message}`, StompErrorCode.Connection, { cause: error }));
    });
    socket.on('close', () => this.onSocketClosed(socket));
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.lastRead = performance.now();
    this.reading = socket;
    try {
      this.writer.batch(socket, () => this.decoder.push(chunk));
    } catch (error) {
      this.fail(socket, error instanceof StompError ? error : new StompFrameError(String(error)));
    }
  }

  /** Drops a socket after a protocol violation, reporting why. */
  private fail(socket: Socket, error: StompError): void {
    this.emit('onConnectionError', error);
    this.connectedWaiter?.reject(error);
    socket.destroy();
  }

  private detach(socket: Socket): void {
    socket.destroy();
    if (socket === this.socket) this.onSocketClosed(socket);
  }

  private onSocketClosed(socket: Socket): void {
    if (socket !== this.socket) return;
    const wasConnected = this.state === 'connected' || this.state === 'disconnecting';
    this.socket = null;
    this.heartbeat?.stop();
    this.heartbeat = null;
    this.negotiated = null;
    this.settlements.clear();
    this.lastTracked = undefined;
    this.drained = null;
    const lost = new StompConnectionError('connection lost before the broker answered', StompErrorCode.NotConnected);
    this.connectedWaiter?.reject(lost);
    for (const waiter of this.receipts.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(lost);
    }
    this.receipts.clear();
    if (this.state !== 'connecting') this.state = 'disconnected';
    if (!wasConnected) return;
    // Only a session the broker (or the network) ended counts; disconnect() starts afresh.
    this.shortSessions = !this.stopRequested && performance.now() - this.connectedAt < SHORT_SESSION_MS ? this.shortSessions + 1 : 0;
    this.emit('onDisconnected');
    this.emit('onReceiverLoopCompleted', this.lastFrame);
    this.maybeReconnect();
  }

  private maybeReconnect(): void {
    if (this.stopRequested || !this.options.autoReconnect || this.state !== 'disconnected' || this.connecting) return;
    this.startConnecting().catch((error: StompError) => this.emit('onConnectionError', error));
  }

  // ---------------------------------------------------------------- reading

  private onFrame(frame: Frame): void {
    // An earlier frame of the same read dropped the connection (a cancelled subscription, say): the
    // rest belongs to a session that is over, and must not reach listeners or the settlement tracker.
    if (this.socket !== this.reading) return;
    this.lastFrame = frame;
    switch (frame.command) {
      case 'MESSAGE':
        return this.onMessageFrame(frame);
      case 'RECEIPT':
        return this.onReceiptFrame(frame);
      case 'CONNECTED':
        return this.onConnectedFrame(frame);
      case 'ERROR':
        return this.onErrorFrame(frame);
      default:
        throw new StompFrameError(`unexpected ${frame.command} frame from the broker`);
    }
  }

  private onConnectedFrame(frame: Frame): void {
    const waiter = this.connectedWaiter;
    if (waiter === null) throw new StompFrameError('CONNECTED frame while already connected');
    const version = (frame.header('version') ?? '1.0') as StompVersion;
    if (!acceptedVersions(this.options.version).includes(version)) {
      throw new StompFrameError(`broker chose version ${JSON.stringify(version)}, not one of ${acceptedVersions(this.options.version).join(',')}`);
    }
    // Encoded while the attempt can still fail: a subscription this version cannot carry ends it with
    // the encoder's error at once, instead of leaving it to the CONNECTED timeout.
    const oneByOne = brokerProduct(frame) === 'rabbitmq';
    const resubscribes = [...this.subscriptions.values()].map((subscription) => this.encode(subscribeFrame(subscription, oneByOne), version));
    this.connectedWaiter = null;
    this.negotiated = version;
    this.connectedFrame = frame;
    this.settlesOneByOne = oneByOne;
    this.encodeOptions = brokerProduct(frame) === 'activemq' ? { ...this.options, textAsModifiedUtf8: true } : this.options;
    this.hadSession = true;
    this.connectedAt = performance.now();
    this.decoder.setVersion(version);
    this.heartbeats = version === '1.0' ? { sendMs: 0, receiveMs: 0 } : negotiateHeartbeats(this.options.heartbeats, frame.header('heart-beat'));
    this.startHeartbeats(this.socket!);
    this.state = 'connected';
    for (const subscribe of resubscribes) this.writeChunks(subscribe.frame, subscribe.chunks);
    this.emit('onConnected', frame);
    waiter.resolve();
  }

  /**
   * How many receive intervals of silence are allowed. ActiveMQ Classic writes a heart-beat only
   * after a whole interval in which it wrote nothing, checked once an interval, so its gaps reach two
   * intervals (the first one after CONNECTED always does): it is allowed one interval more.
   */
  private receiveScale(): number {
    return this.options.heartbeatReceiveScale + (brokerProduct(this.connectedFrame) === 'activemq' ? 1 : 0);
  }

  private startHeartbeats(socket: Socket): void {
    const monitor = new HeartbeatMonitor(this.heartbeats, this.receiveScale(), {
      lastReadAt: () => this.lastRead,
      lastWriteAt: () => this.writer.lastWriteAt,
      // Its own socket, not the current one: a monitor must never write on a socket it was not started for.
      sendHeartbeat: () => this.writer.write(socket, [EOL]),
      onTimeout: () => {
        if (socket !== this.socket) return;
        this.emit('onHeartbeatTimeout');
        this.fail(socket, new StompTimeoutError('heart-beat from the broker', this.heartbeatTimeoutMs));
      },
    });
    // The monitor goes with its socket, even one whose close the connection no longer follows.
    socket.once('close', () => monitor.stop());
    this.heartbeat = monitor;
    monitor.start();
  }

  private onMessageFrame(frame: Frame): void {
    const subscriptionId = frame.header('subscription');
    const subscription = subscriptionId === undefined ? undefined : this.subscriptions.get(subscriptionId);
    if (subscription !== undefined && subscription.ack !== 'auto') {
      const ackId = this.ackIdOf(frame);
      if (ackId !== undefined) {
        this.settlements.track(ackId, subscription);
        this.lastTracked = frame;
        this.lastTrackedId = ackId;
      }
    }
    this.emit('onBeforeMessage', frame);
    this.emit('onMessage', frame);
  }

  private onReceiptFrame(frame: Frame): void {
    const id = frame.header('receipt-id');
    const waiter = id === undefined ? undefined : this.receipts.get(id);
    if (waiter !== undefined) {
      this.receipts.delete(id!);
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.emit('onReceipt', frame);
  }

  /**
   * An ERROR fails what waits for it: the CONNECT, the receipt it names, or — when it names none, as
   * RabbitMQ's errors for a bad SEND or SUBSCRIBE do — every receipt still awaited, since the broker
   * gives no way to tell which frame it is about and would otherwise leave them to time out.
   */
  private onErrorFrame(frame: Frame): void {
    if (this.onSubscriptionCancelled(frame) || this.onDeliveryAfterUnsubscribe(frame)) return;
    const answersConnect = this.connectedWaiter !== null;
    const error = answersConnect && StompAuthenticationError.matches(frame) ? new StompAuthenticationError(frame) : new StompBrokerError(frame);
    this.emit('onError', frame);
    this.connectedWaiter?.reject(error);
    const id = frame.header('receipt-id');
    for (const [receiptId, waiter] of [...this.receipts]) {
      if (id !== undefined && receiptId !== id) continue;
      this.receipts.delete(receiptId);
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /**
   * RabbitMQ tells of a consumer it cancelled (its queue was deleted, or its queue process crashed
   * and restarted) with an ERROR naming the subscription, and keeps the connection open: left alone,
   * the subscription would stay silent for good while the connection looks healthy. Subscribing
   * again on that connection is not enough: RabbitMQ remembers having declared the queue there and
   * answers NOT_FOUND for a deleted one. So the connection is dropped, and the reconnect subscribes
   * everything again on a fresh session (where messages not yet acknowledged come back).
   * @returns whether `frame` was such a notice.
   */
  private onSubscriptionCancelled(frame: Frame): boolean {
    const id = frame.header('subscription');
    if (id === undefined || !this.subscriptions.has(id) || this.state !== 'connected' || frame.header('receipt-id') !== undefined) return false;
    this.emit('onError', frame);
    this.detach(this.socket!);
    return true;
  }

  /**
   * RabbitMQ answers a delivery whose subscription has ended (UNSUBSCRIBE raced the messages its
   * queue had already dispatched) with an ERROR naming the consumer tag, `T_<id>`, and keeps the
   * connection. It concerns no frame of ours, so it must not fail the receipts awaited (a
   * DISCONNECT's, say), nor count as a broker error: a clean shutdown with a busy queue gets one
   * per message in flight.
   * @returns whether `frame` was such a notice.
   */
  private onDeliveryAfterUnsubscribe(frame: Frame): boolean {
    if (frame.header('message') !== 'Subscription not found' || frame.header('receipt-id') !== undefined) return false;
    const id = /^There is no current subscription with tag 'T_(.*)'\.$/s.exec(frame.text())?.[1];
    if (id === undefined || this.subscriptions.has(id)) return false;
    this.emit('onDeliveryAfterUnsubscribe', id, frame);
    return true;
  }

  // ---------------------------------------------------------------- writing

  /** Encodes and writes a frame on the current socket; throws if it cannot be encoded. */
  private writeFrame(frame: Frame): boolean {
    return this.writeChunks(frame, encodeFrame(frame, this.negotiated ?? this.options.version, this.encodeOptions));
  }

  private writeChunks(frame: Frame, chunks: Buffer[]): boolean {
    if (this.heard.onSend) this.emit('onSend', frame);
    return this.writeRaw(chunks);
  }

  private writeRaw(chunks: Buffer[]): boolean {
    return this.writer.write(this.socket!, chunks);
  }

  /**
   * Writes `frame` once connected, in call order; resolves when the socket took it, or with a
   * receipt once the broker confirmed it.
   * @throws {StompError} synchronously when nothing was written: not connected, back-pressure, unencodable.
   */
  private transmit(frame: Frame, receipt: boolean | string | undefined): Promise<void> {
    if (this.state !== 'connected' && !(this.state === 'disconnecting' && frame.command === 'DISCONNECT')) {
      throw new StompConnectionError(`cannot send ${frame.command}: not connected`, StompErrorCode.NotConnected);
    }
    const socket = this.socket!;
    if (socket.writableLength > this.options.maxWriteBufferBytes) {
      throw new StompUsageError(`cannot send ${frame.command}: ${socket.writableLength} bytes already wait for the socket (maxWriteBufferBytes); await earlier sends`, StompErrorCode.Backpressure);
    }
    let receiptId: string | undefined;
    if (receipt !== undefined && receipt !== false) {
      receiptId = receipt === true ? this.nextId('rcpt') : receipt;
      // One waiter per id: a second would take the RECEIPT, and the first would time out though it came.
      if (this.receipts.has(receiptId)) throw new StompUsageError(`cannot send ${frame.command}: receipt ${receiptId} is already awaited`, StompErrorCode.InvalidState);
      // A receipt header of the caller's would be the one the broker answers, and the wait would time out.
      const entries = frame.entries.filter(([name]) => name !== 'receipt');
      // A body given as text stays text: autoContentLength 'binary' writes it without content-length.
      frame = new Frame(frame.command, [...entries, ['receipt', receiptId]], frame.unencodedText ?? frame.body);
    }
    const flowing = this.writeFrame(frame);
    if (receiptId !== undefined) return this.awaitReceipt(receiptId, frame.command);
    return flowing ? RESOLVED : this.whenDrained(socket);
  }

  private whenDrained(socket: Socket): Promise<void> {
    this.drained ??= new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        socket.off('drain', done);
        socket.off('close', closed);
        this.drained = null;
        if (error) reject(error);
        else resolve();
      };
      const closed = (): void => done(new StompConnectionError('connection closed before the frame was written', StompErrorCode.NotConnected));
      socket.on('drain', done);
      socket.on('close', closed);
    });
    return this.drained;
  }

  private awaitReceipt(id: string, command: string): Promise<void> {
    const timeoutMs = this.options.receiptTimeout * 1000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.receipts.delete(id);
        reject(new StompTimeoutError(`RECEIPT ${id} for ${command}`, timeoutMs));
      }, timeoutMs);
      this.receipts.set(id, { resolve, reject, timer });
    });
  }

  private nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}-${this.sequence}`;
  }

  /**
   * Checks the state, builds the frame (validating the arguments), transmits it, then lets
   * `written` update local state; every failure becomes a rejection, and when one occurs nothing
   * is written and no state changes. A `null` frame means there is nothing to send.
   */
  private guard(build: () => Frame | readonly Frame[] | null, receipt?: boolean | string, written?: () => void): Promise<void> {
    try {
      if (this.state !== 'connected') throw new StompConnectionError('not connected', StompErrorCode.NotConnected);
      const built = build();
      if (built === null) return RESOLVED;
      const sent = built instanceof Frame ? this.transmit(built, receipt) : this.transmitAll(built, receipt);
      // Local state follows only a frame that was encoded and handed to the socket.
      written?.();
      return sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---------------------------------------------------------------- STOMP operations

  /**
   * Sends a message (SEND frame). A string body is encoded with the `encoding` option. The
   * destination, `contentType` and `transaction` win over headers of the same names in `headers`.
   * @throws {StompUsageError} for an empty destination or a header the version cannot carry.
   * @throws {StompConnectionError} when not connected.
   */
  send(destination: string, body: string | Buffer | Uint8Array = '', options: SendOptions = {}): Promise<void> {
    return this.guard(() => {
      checkName('destination', destination);
      if (options.transaction !== undefined) this.settlements.checkTransaction(options.transaction);
      const headers: HeaderEntry[] = [['destination', destination]];
      if (options.contentType !== undefined) headers.push(['content-type', options.contentType]);
      if (options.transaction !== undefined) headers.push(['transaction', options.transaction]);
      // UTF-8 text goes into the frame as text: the encoder writes it without a Buffer of its own.
      const payload = typeof body === 'string' && !isUtf8Encoding(this.options.encoding) ? Buffer.from(body, this.options.encoding) : body;
      const own = headers.length;
      appendHeaders(headers, options.headers);
      // As in stomp.py, what send() sets itself wins over a copy in `headers`: brokers read the
      // first of a repeated header, so the copy would only travel along, unread.
      if (headers.length > own) dropShadowed(headers, own);
      return new Frame('SEND', headers, payload);
    }, options.receipt);
  }

  /**
   * Subscribes (SUBSCRIBE frame). The subscription is remembered and re-sent after every reconnect.
   * When the broker cancels it on a live connection (RabbitMQ's ERROR "Server cancelled
   * subscription", when its queue is deleted or restarts), listeners see `onError`, and the
   * connection is dropped so that the reconnect restores it.
   * Subscribing again with the same id, destination, ack mode and headers does nothing, so code that
   * re-subscribes from `onDisconnected` (as in stomp.py's examples) keeps working.
   * @param id required on 1.1+; on 1.0 the destination is used when omitted.
   * @throws {StompUsageError} when `id` is already used by a different subscription.
   */
  subscribe(destination: string, id?: string | number, ack: AckMode = 'auto', headers?: HeadersInit, options: FrameOptions = {}): Promise<void> {
    let registered: Subscription | undefined;
    return this.guard(() => {
      checkName('destination', destination);
      if (!['auto', 'client', 'client-individual'].includes(ack)) throw new StompUsageError(`ack mode ${JSON.stringify(ack)} is not auto, client or client-individual`);
      if (id === undefined && this.negotiated !== '1.0') throw new StompUsageError('subscribe needs an id on STOMP 1.1 and 1.2');
      const subscription: Subscription = { id: String(id ?? destination), destination, ack, headers: toEntries(headers) };
      const existing = this.subscriptions.get(subscription.id);
      if (existing !== undefined) {
        if (sameSubscription(existing, subscription)) return null;
        throw new StompUsageError(`subscription id ${subscription.id} is already used for ${existing.destination}`, StompErrorCode.InvalidState);
      }
      registered = subscription;
      return subscribeFrame(subscription, this.settlesOneByOne);
    }, options.receipt, () => registered && this.subscriptions.set(registered.id, registered));
  }

  /**
   * Ends a subscription (UNSUBSCRIBE frame). Messages already received stay acknowledgeable.
   * @throws {StompUsageError} for an unknown id.
   */
  unsubscribe(id: string | number, options: FrameOptions = {}): Promise<void> {
    return this.guard(() => {
      const key = String(id);
      const subscription = this.subscriptions.get(key);
      if (subscription === undefined) throw new StompUsageError(`no subscription with id ${key}`, StompErrorCode.InvalidState);
      return new Frame('UNSUBSCRIBE', [['id', key], ...toEntries(options.headers)]);
    }, options.receipt, () => this.subscriptions.delete(String(id)));
  }

  /**
   * Acknowledges a message (ACK frame). Pass the MESSAGE frame, or its id as stomp.py does: the
   * `ack` header on 1.2, `message-id` on 1.0/1.1 (with the subscription on 1.1).
   * With `client` ack mode this also settles every earlier message of the subscription.
   * @throws {StompUsageError} for a message that is unknown or already settled.
   */
  ack(message: Frame | string, subscription?: string, options: AckOptions = {}): Promise<void> {
    return this.settle('ACK', message, subscription, options);
  }

  /**
   * Rejects a message (NACK frame; STOMP 1.1+). What the broker does next is its choice: RabbitMQ
   * requeues (`requeue: false` header to drop), ActiveMQ Classic moves it to its dead-letter queue.
   * @throws {StompUsageError} on STOMP 1.0, and for a message that is unknown or already settled.
   */
  nack(message: Frame | string, subscription?: string, options: AckOptions = {}): Promise<void> {
    if (this.negotiated === '1.0') return Promise.reject(new StompUsageError('NACK does not exist in STOMP 1.0', StompErrorCode.InvalidState));
    return this.settle('NACK', message, subscription, options);
  }

  private ackIdOf(frame: Frame): string | undefined {
    if (frame === this.lastTracked) return this.lastTrackedId;
    return this.negotiated === '1.2' ? frame.header('ack') : frame.header('message-id');
  }

  private settle(command: 'ACK' | 'NACK', message: Frame | string, subscription: string | undefined, options: AckOptions): Promise<void> {
    let id = '';
    return this.guard(
      () => {
        const ackId = typeof message === 'string' ? message : this.ackIdOf(message);
        if (ackId === undefined || ackId === '') throw new StompUsageError(`${command}: the message has no ${this.negotiated === '1.2' ? 'ack' : 'message-id'} header`);
        id = ackId;
        const owner = this.settlements.ownerOf(id, command);
        if (options.transaction !== undefined) this.settlements.checkTransaction(options.transaction);
        const subscriptionId = subscription ?? owner.id;
        if (owner.ack === 'client' && this.settlesOneByOne) return this.settlements.cumulative(id).map(([settled]) => this.settleFrame(command, settled, subscriptionId, options));
        return this.settleFrame(command, id, subscriptionId, options);
      },
      options.receipt,
      () => this.settlements.settle(id, options.transaction),
    );
  }

  /** Several frames (a cumulative settling written one by one) leave together; a receipt goes on the last. */
  private transmitAll(frames: readonly Frame[], receipt: boolean | string | undefined): Promise<void> {
    for (let i = 0; i < frames.length - 1; i++) void this.transmit(frames[i]!, undefined);
    return this.transmit(frames[frames.length - 1]!, receipt);
  }

  /** An ACK or NACK of one message, with the headers its version names it by. */
  private settleFrame(command: 'ACK' | 'NACK', ackId: string, subscriptionId: string, options: AckOptions): Frame {
    const headers: HeaderEntry[] =
      this.negotiated === '1.2' ? [['id', ackId]] : this.negotiated === '1.1' ? [['message-id', ackId], ['subscription', subscriptionId]] : [['message-id', ackId]];
    if (options.transaction !== undefined) headers.push(['transaction', options.transaction]);
    return new Frame(command, appendHeaders(headers, options.headers));
  }

  /**
   * Starts a transaction (BEGIN frame) and returns its id, generated unless given.
   * @throws {StompUsageError} when the id is already in use.
   */
  async begin(transaction?: string, options: FrameOptions = {}): Promise<string> {
    const id = transaction ?? this.nextId('tx');
    await this.guard(
      () => {
        checkName('transaction', id);
        this.settlements.checkNewTransaction(id);
        return new Frame('BEGIN', [['transaction', id], ...toEntries(options.headers)]);
      },
      options.receipt,
      () => this.settlements.openTransaction(id),
    );
    return id;
  }

  /** Commits a transaction (COMMIT frame). @throws {StompUsageError} for an unknown transaction. */
  commit(transaction: string, options: FrameOptions = {}): Promise<void> {
    return this.endTransaction('COMMIT', transaction, options);
  }

  /** Aborts a transaction (ABORT frame). @throws {StompUsageError} for an unknown transaction. */
  abort(transaction: string, options: FrameOptions = {}): Promise<void> {
    return this.endTransaction('ABORT', transaction, options);
  }

  private endTransaction(command: 'COMMIT' | 'ABORT', transaction: string, options: FrameOptions): Promise<void> {
    return this.guard(
      () => {
        this.settlements.checkTransaction(transaction);
        return new Frame(command, [['transaction', transaction], ...toEntries(options.headers)]);
      },
      options.receipt,
      () => this.settlements.closeTransaction(transaction, command === 'ABORT'),
    );
  }
}

function toEntries(headers: HeadersInit | undefined): HeaderEntry[] {
  return headers === undefined ? [] : headerEntries(headers);
}

function checkName(what: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StompUsageError(`${what} must be a non-empty string, got ${value === '' ? 'an empty string' : typeof value}`);
  }
}

/** @param settlesOneByOne `client` goes on the wire as `client-individual` (see StompConnection.settlesOneByOne). */
function subscribeFrame(subscription: Subscription, settlesOneByOne: boolean): Frame {
  return new Frame('SUBSCRIBE', [
    ['destination', subscription.destination],
    ['id', subscription.id],
    ['ack', settlesOneByOne && subscription.ack === 'client' ? 'client-individual' : subscription.ack],
    ...subscription.headers,
  ]);
}

function sameSubscription(a: Subscription, b: Subscription): boolean {
  return a.destination === b.destination && a.ack === b.ack && JSON.stringify(a.headers) === JSON.stringify(b.headers);
}

function reportListenerError(event: string, error: unknown): void {
  process.emitWarning(`nestjs-stomp: listener ${event} threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 'StompListenerWarning');
}

/** `error` as a StompError: an attempt's own failures are; anything else is wrapped as a connection error. */
function asStompError(error: unknown): StompError {
  return error instanceof StompError ? error : new StompConnectionError(String(error), StompErrorCode.Connection, { cause: error });
}

/** Drops the entries after the first `own` whose name one of those first `own` already has. */
function dropShadowed(entries: HeaderEntry[], own: number): void {
  let kept = own;
  for (let i = own; i < entries.length; i++) {
    const name = entries[i][0];
    let shadowed = false;
    for (let j = 0; j < own; j++) shadowed ||= entries[j][0] === name;
    if (!shadowed) entries[kept++] = entries[i];
  }
  entries.length = kept;
}
