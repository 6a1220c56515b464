import type { Socket } from 'node:net';
import {
  Frame,
  FrameDecoder,
  HeartbeatMonitor,
  StompError,
  StompErrorCode,
  STOMP_VERSIONS,
  TickWriter,
  encodeFrame,
  type AckMode,
  type DecoderLimits,
  type HeaderEntry,
  type HeartbeatIntervals,
  type StompVersion,
} from '../engine';
import { StompProtocolError } from './broker-errors';
import { BrokerSubscription, type SubscriptionOwner } from './broker-subscription';
import { canDeliver, deliverableDestination, deliverableHeaders } from './deliverable-headers';
import type { Destinations } from './destinations';
import type { StoredMessage } from './message-queue';
import { negotiateBrokerHeartbeats, negotiateVersion } from './negotiation';

/** Settings every session of one broker shares. */
export interface SessionSettings {
  /** The CONNECTED `server` header. */
  readonly server: string;
  /** login → passcode; undefined accepts every CONNECT. */
  readonly users?: Readonly<Record<string, string>>;
  /** Fixed `[sx, sy]` to offer; undefined offers each client what it asks for. */
  readonly heartbeats?: readonly [number, number];
  /** Limits of one incoming frame, and (`maxBodyBytes`) of the bodies held by open transactions. */
  readonly limits: Required<DecoderLimits>;
  /** Bytes allowed to wait for a slow client's socket before deliveries to it pause. */
  readonly maxWriteBufferBytes: number;
  /** Milliseconds a new connection has to send CONNECT. */
  readonly connectTimeoutMs: number;
}

/** What a session needs from its broker. */
export interface SessionHost {
  readonly settings: SessionSettings;
  readonly destinations: Destinations;
  /** Gives the session an id and makes it reachable under it. */
  register(session: BrokerSession): string;
  /** Forgets a session that ended. */
  unregister(session: BrokerSession): void;
}

/** Headers the broker sets itself on a MESSAGE; a sender's values for them are not passed on. */
const BROKER_HEADERS = new Set(['destination', 'transaction', 'receipt', 'content-length', 'subscription', 'message-id', 'ack', 'redelivered']);
const ACK_MODES = new Set<string>(['auto', 'client', 'client-individual']);
/** The spec lets a receiver allow some slack; twice the promised interval is generous and still quick. */
const CLIENT_SILENCE_FACTOR = 2;
/** Open transactions of one connection hold at most this many frames, BEGINs included (bodies: `maxBodyBytes`). */
const MAX_TRANSACTION_FRAMES = 100_000;
/** Subscriptions one connection may hold at once. */
const MAX_SUBSCRIPTIONS = 10_000;
const EOL = Buffer.from('\n');

/**
 * One client connection to the embedded broker: it reads frames with the engine's
 * {@link FrameDecoder}, answers them, writes MESSAGE frames for its subscriptions with
 * {@link encodeFrame}, and keeps the heart-beats. Any protocol violation ends it with an ERROR frame.
 */
export class BrokerSession implements SubscriptionOwner {
  /** Resolves once the socket closed and everything the session held went back to the broker. */
  readonly closed: Promise<void>;
  private id = '';
  private version: StompVersion | null = null;
  private readonly decoder: FrameDecoder;
  private readonly subscriptions = new Map<string, BrokerSubscription>();
  /** The subscription of every unsettled delivery, by ack id. */
  private readonly deliveries = new Map<string, BrokerSubscription>();
  /** Frames of open transactions, applied at COMMIT. */
  private readonly transactions = new Map<string, Frame[]>();
  private transactionBytes = 0;
  private transactionFrames = 0;
  private heartbeat: HeartbeatMonitor | null = null;
  private lastRead = performance.now();
  private readonly writer = new TickWriter();
  private delivered = 0;
  private ended = false;
  private released = false;
  private readonly connectTimer: NodeJS.Timeout;
  /**
   * Bytes waiting for the socket past which reading stops until it drains. Deliveries stop at
   * `maxWriteBufferBytes`, after at most one more MESSAGE; anything beyond that is answers (receipts)
   * the client asks for and does not read, which would otherwise pile up in memory without bound.
   */
  private readonly readPauseBytes: number;

  constructor(
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.decoder = new FrameDecoder({ onFrame: (frame) => this.onFrame(frame), onHeartbeat: () => undefined }, host.settings.limits);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.resume());
    const { maxWriteBufferBytes, limits } = host.settings;
    // One MESSAGE: a body, the sender's headers and the broker's own.
    this.readPauseBytes = maxWriteBufferBytes + limits.maxBodyBytes + 2 * limits.maxHeaderBytes;
    // A socket error is always followed by 'close', which cleans up.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.release();
        resolve();
      }),
    );
    const { connectTimeoutMs } = host.settings;
    this.connectTimer = setTimeout(() => this.fail(new StompProtocolError(`no CONNECT frame within ${connectTimeoutMs} ms`, StompErrorCode.Timeout)), connectTimeoutMs);
    this.connectTimer.unref();
  }

  /** The `session` id sent in CONNECTED; empty before. */
  get sessionId(): string {
    return this.id;
  }

  /** Whether deliveries may be written now: connected, and the socket is not backed up. */
  get accepting(): boolean {
    return this.version !== null && !this.ended && this.socket.writableLength <= this.host.settings.maxWriteBufferBytes;
  }

  /** Ends the connection from the broker's side: an ERROR frame saying `reason`, then close. */
  close(reason: string): void {
    this.fail(new StompProtocolError(reason, StompErrorCode.NotConnected));
  }

  /** Drops the connection at once, without a word (broker stop, silent client). */
  destroy(): void {
    this.ended = true;
    this.release();
    this.socket.destroy();
  }

  // ---------------------------------------------------------------- reading

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.lastRead = performance.now();
    try {
      this.decoder.push(chunk);
    } catch (error) {
      this.fail(error);
    }
    if (!this.ended && this.socket.writableLength > this.readPauseBytes) this.socket.pause();
  }

  private onFrame(frame: Frame): void {
    if (this.ended) return;
    try {
      this.handle(frame);
      const receipt = frame.header('receipt');
      if (receipt !== undefined && !this.ended) this.write(new Frame('RECEIPT', [['receipt-id', receipt]]));
    } catch (error) {
      this.fail(error, frame);
    }
  }

  private handle(frame: Frame): void {
    if (this.version === null) {
      if (frame.command === 'CONNECT' || frame.command === 'STOMP') return this.connect(frame);
      throw new StompProtocolError(`expected CONNECT or STOMP, got ${frame.command}`, StompErrorCode.InvalidState);
    }
    switch (frame.command) {
      case 'SEND':
      case 'ACK':
      case 'NACK':
        if (!this.enlist(frame)) this.apply(frame);
        return;
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(frame);
      case 'BEGIN':
        return this.begin(frame);
      case 'COMMIT':
        return this.commit(frame);
      case 'ABORT':
        return this.abort(frame);
      case 'DISCONNECT':
        return this.disconnect(frame);
      default:
        throw new StompProtocolError(`unexpected ${frame.command} frame`, StompErrorCode.InvalidState, `${frame.command} is not a frame a client sends, or not again on a connected session.`);
    }
  }

  // ---------------------------------------------------------------- CONNECT

  private connect(frame: Frame): void {
    clearTimeout(this.connectTimer);
    const version = negotiateVersion(frame.header('accept-version'));
    if (version === null) {
      const supported = STOMP_VERSIONS.join(',');
      throw new StompProtocolError(`Supported protocol versions are ${supported}`, StompErrorCode.InvalidArgument, undefined, { version: supported });
    }
    this.checkLogin(frame);
    this.version = version;
    this.decoder.setVersion(version);
    this.id = this.host.register(this);
    const headers: HeaderEntry[] = [['version', version], ['server', this.host.settings.server], ['session', this.id]];
    if (version !== '1.0') {
      const heartbeats = negotiateBrokerHeartbeats(this.host.settings.heartbeats, frame.header('heart-beat'));
      headers.push(['heart-beat', heartbeats.advertised.join(',')]);
      this.startHeartbeats(heartbeats.intervals);
    }
    this.write(new Frame('CONNECTED', headers));
  }

  private checkLogin(frame: Frame): void {
    const users = this.host.settings.users;
    if (users === undefined) return;
    const login = frame.header('login');
    if (login !== undefined && Object.hasOwn(users, login) && users[login] === frame.header('passcode')) return;
    throw new StompProtocolError('Access refused', StompErrorCode.InvalidArgument, `login ${JSON.stringify(login ?? '')} refused: unknown user or wrong passcode`);
  }

  private startHeartbeats(intervals: HeartbeatIntervals): void {
    this.heartbeat = new HeartbeatMonitor(intervals, CLIENT_SILENCE_FACTOR, {
      lastReadAt: () => this.lastRead,
      lastWriteAt: () => this.writer.lastWriteAt,
      sendHeartbeat: () => this.writeChunks([EOL]),
      onTimeout: () => this.destroy(),
    });
    this.heartbeat.start();
  }

  // ---------------------------------------------------------------- SEND, ACK, NACK

  /** Applies a SEND, ACK or NACK now (outside a transaction, or at COMMIT). */
  private apply(frame: Frame): void {
    if (frame.command === 'SEND') {
      this.host.destinations.publish(this.id, required(frame, 'destination'), this.userHeaders(frame), frame.body);
    } else {
      this.settle(frame);
    }
  }

  /** The sender's headers as receivers get them, with a temp-queue `reply-to` made routable. */
  private userHeaders(frame: Frame): HeaderEntry[] {
    const headers: HeaderEntry[] = [];
    for (const [name, value] of frame.entries) {
      if (BROKER_HEADERS.has(name)) continue;
      headers.push(name === 'reply-to' ? [name, this.host.destinations.routableReplyTo(this.id, value)] : [name, value]);
    }
    return headers;
  }

  private settle(frame: Frame): void {
    const [ackId, subscription] = this.delivery(frame);
    const settled = subscription.settle(ackId);
    for (const id of settled.keys()) this.deliveries.delete(id);
    if (frame.command === 'NACK' && frame.header('requeue') !== 'false') subscription.queue.requeue(settled.values());
  }

  /** The unsettled delivery an ACK or NACK names. */
  private delivery(frame: Frame): [string, BrokerSubscription] {
    if (frame.command === 'NACK' && this.version === '1.0') {
      throw new StompProtocolError('NACK does not exist in STOMP 1.0', StompErrorCode.InvalidState);
    }
    const ackId = this.version === '1.2' ? (frame.header('id') ?? frame.header('message-id')) : frame.header('message-id');
    if (ackId === undefined) throw new StompProtocolError(`${frame.command} without ${this.version === '1.2' ? 'id' : 'message-id'} header`);
    const subscription = this.deliveries.get(ackId);
    if (subscription === undefined || !subscription.has(ackId)) {
      throw new StompProtocolError(
        `${frame.command} for unknown message ${ackId}`,
        StompErrorCode.InvalidState,
        'Only messages of client and client-individual subscriptions that are still unsettled on this connection can be acknowledged.',
      );
    }
    return [ackId, subscription];
  }

  /** MESSAGE for one delivery; returns its ack id (also its `message-id`, unique per delivery). */
  deliver(subscription: BrokerSubscription, message: StoredMessage): string {
    this.delivered += 1;
    const ackId = `${this.id}-${this.delivered}`;
    const headers: HeaderEntry[] = [['subscription', subscription.id], ['message-id', ackId], ['destination', deliverableDestination(this.version!, message.destination)]];
    if (subscription.ack !== 'auto') {
      if (this.version === '1.2') headers.push(['ack', ackId]);
      this.deliveries.set(ackId, subscription);
    }
    headers.push(['redelivered', String(message.redelivered)]);
    headers.push(...deliverableHeaders(this.version!, message.headers));
    this.write(new Frame('MESSAGE', headers, message.body));
    return ackId;
  }

  // ---------------------------------------------------------------- SUBSCRIBE, UNSUBSCRIBE

  private subscribe(frame: Frame): void {
    const destination = required(frame, 'destination');
    const id = this.version === '1.0' ? (frame.header('id') ?? destination) : required(frame, 'id');
    if (this.subscriptions.has(id)) throw new StompProtocolError(`duplicate subscription id ${id}`, StompErrorCode.InvalidState);
    // Refused now rather than failing every MESSAGE: the decoders take a raw CR that 1.0 and 1.1 cannot write.
    if (!canDeliver(this.version!, ['subscription', id])) {
      throw new StompProtocolError(`subscription id ${JSON.stringify(id)} cannot be sent back in a MESSAGE on this STOMP version`);
    }
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS) throw new StompProtocolError(`more than ${MAX_SUBSCRIPTIONS} subscriptions`, StompErrorCode.LimitExceeded);
    const ack = frame.header('ack') ?? 'auto';
    if (!ACK_MODES.has(ack)) throw new StompProtocolError(`unknown ack mode ${JSON.stringify(ack)}`, StompErrorCode.InvalidArgument, 'ack is auto, client or client-individual.');
    if (frame.header('selector') !== undefined) {
      throw new StompProtocolError('selectors are not supported by the embedded broker', StompErrorCode.InvalidArgument, 'Test selectors against ActiveMQ.');
    }
    const prefetch = prefetchOf(frame);
    const source = this.host.destinations.subscribe(this.id, destination);
    const subscription = new BrokerSubscription(id, destination, ack as AckMode, prefetch, source, this);
    this.subscriptions.set(id, subscription);
    source.queue.addConsumer(subscription);
  }

  private unsubscribe(frame: Frame): void {
    const key = this.version === '1.0' ? (frame.header('id') ?? required(frame, 'destination')) : required(frame, 'id');
    const subscription = this.subscriptions.get(key) ?? (this.version === '1.0' ? [...this.subscriptions.values()].find((s) => s.destination === key) : undefined);
    if (subscription === undefined) throw new StompProtocolError(`no subscription ${key}`, StompErrorCode.InvalidState);
    this.endSubscription(subscription);
  }

  private endSubscription(subscription: BrokerSubscription): void {
    this.subscriptions.delete(subscription.id);
    for (const ackId of subscription.close()) this.deliveries.delete(ackId);
  }

  // ---------------------------------------------------------------- transactions

  /** Holds a SEND, ACK or NACK that names a transaction until its COMMIT; returns whether it did. */
  private enlist(frame: Frame): boolean {
    const transaction = frame.header('transaction');
    if (transaction === undefined) return false;
    const frames = this.openTransaction(transaction);
    // Checked now, so the client hears of a bad frame when it sends it, not at COMMIT.
    if (frame.command === 'SEND') this.host.destinations.validate(this.id, required(frame, 'destination'));
    else this.delivery(frame);
    this.hold(frame.body.length);
    frames.push(frame);
    return true;
  }

  /** Counts one more held frame (and its body) against the connection's bound. */
  private hold(bodyBytes: number): void {
    const maxBytes = this.host.settings.limits.maxBodyBytes;
    if (this.transactionFrames + 1 > MAX_TRANSACTION_FRAMES || this.transactionBytes + bodyBytes > maxBytes) {
      throw new StompProtocolError('open transactions hold too much', StompErrorCode.LimitExceeded, `at most ${MAX_TRANSACTION_FRAMES} frames and ${maxBytes} body bytes per connection`);
    }
    this.transactionFrames += 1;
    this.transactionBytes += bodyBytes;
  }

  private openTransaction(transaction: string): Frame[] {
    const frames = this.transactions.get(transaction);
    if (frames === undefined) throw new StompProtocolError(`unknown transaction ${transaction}`, StompErrorCode.InvalidState);
    return frames;
  }

  private begin(frame: Frame): void {
    const transaction = required(frame, 'transaction');
    if (this.transactions.has(transaction)) throw new StompProtocolError(`transaction ${transaction} is already open`, StompErrorCode.InvalidState);
    this.hold(0);
    this.transactions.set(transaction, []);
  }

  private commit(frame: Frame): void {
    const frames = this.closeTransaction(required(frame, 'transaction'));
    for (const held of frames) this.apply(held);
  }

  private abort(frame: Frame): void {
    this.closeTransaction(required(frame, 'transaction'));
  }

  private closeTransaction(transaction: string): Frame[] {
    const frames = this.openTransaction(transaction);
    this.transactions.delete(transaction);
    this.transactionFrames -= frames.length + 1;
    for (const held of frames) this.transactionBytes -= held.body.length;
    return frames;
  }

  // ---------------------------------------------------------------- ending

  private disconnect(frame: Frame): void {
    const receipt = frame.header('receipt');
    if (receipt !== undefined) this.write(new Frame('RECEIPT', [['receipt-id', receipt]]));
    this.end();
  }

  /** Answers a violation with ERROR (naming the frame's receipt, if any) and closes. */
  private fail(error: unknown, frame?: Frame): void {
    if (this.ended) return;
    const headers: HeaderEntry[] = [['message', oneLine(error instanceof StompError ? error.message : `internal error: ${String(error)}`)]];
    const receipt = frame?.header('receipt');
    if (receipt !== undefined) headers.push(['receipt-id', receipt]);
    if (error instanceof StompProtocolError) headers.push(...Object.entries(error.headers));
    const detail = error instanceof StompProtocolError ? error.detail : undefined;
    try {
      this.write(new Frame('ERROR', [...headers, ['content-type', 'text/plain']], detail ?? ''));
    } catch {
      // A receipt id this version cannot carry back: close without the ERROR frame.
    }
    this.end();
  }

  /** Closes gracefully: what is written still goes out, nothing more is read. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    this.socket.end();
    // A client that never closes its side must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Gives everything back: unsettled messages to their queues, temp queues and the id to the broker. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.connectTimer);
    this.heartbeat?.stop();
    for (const subscription of [...this.subscriptions.values()]) this.endSubscription(subscription);
    this.transactions.clear();
    if (this.id !== '') {
      this.host.destinations.dropSession(this.id);
      this.host.unregister(this);
    }
  }

  /** The socket drained: reading goes on, and the queues may hand this session messages again. */
  private resume(): void {
    if (!this.ended) this.socket.resume();
    for (const subscription of this.subscriptions.values()) subscription.queue.schedule();
  }

  // ---------------------------------------------------------------- writing

  private write(frame: Frame): void {
    this.writeChunks(encodeFrame(frame, this.version ?? '1.0'));
  }

  private writeChunks(chunks: Buffer[]): void {
    if (this.socket.writable) this.writer.write(this.socket, chunks);
  }
}

function required(frame: Frame, name: string): string {
  const value = frame.header(name);
  if (value === undefined || value === '') throw new StompProtocolError(`${frame.command} without ${name} header`);
  return value;
}

/** The prefetch window from RabbitMQ's `prefetch-count` or ActiveMQ's `activemq.prefetchSize`; 0 = none. */
function prefetchOf(frame: Frame): number {
  const header = frame.header('prefetch-count') !== undefined ? 'prefetch-count' : 'activemq.prefetchSize';
  const value = frame.header(header);
  if (value === undefined) return 0;
  if (!/^\d{1,9}$/.test(value)) throw new StompProtocolError(`${header} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** ERROR `message` values must stay on one line for every version, 1.0 included. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\0]+/g, ' ');
}
