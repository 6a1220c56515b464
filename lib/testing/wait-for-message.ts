import { MAX_TIMER_MS, StompConnection, StompTimeoutError, StompUsageError, headerEntries, type ConnectionOptions, type Frame, type HeaderEntry, type HeadersInit } from '../engine';

/** Options of {@link waitForMessage}. */
export interface WaitForMessageOptions {
  /** Milliseconds to wait, connecting included: more than 0, at most 2^31 − 1 (a Node timer's range). @default 5000 */
  timeoutMs?: number;
  /** Extra SUBSCRIBE headers. */
  headers?: HeadersInit;
}

/** Prefetch 1 in both brokers' dialects: a queue hands the subscription one message, not all it holds. */
const PREFETCH_ONE: readonly HeaderEntry[] = [
  ['prefetch-count', '1'],
  ['activemq.prefetchSize', '1'],
];

/**
 * What {@link waitForMessage} returns: a promise of the message, which also says when the
 * subscription is in place.
 */
export interface PendingMessage extends Promise<Frame> {
  /**
   * Resolves once the broker confirmed the SUBSCRIBE (its RECEIPT; at the latest with the message):
   * from then on, a message published to a topic reaches this wait. Rejects as the wait itself does
   * (connection refused, timeout…) when that happens before; a caller who does not await it still
   * hears of the failure from the wait, and no unhandled rejection is reported for it.
   */
  readonly subscribed: Promise<void>;
}

let waits = 0;

/**
 * Subscribes to `destination` and resolves with the first message that arrives, acknowledged and
 * with the subscription ended. Give it a connected {@link StompConnection} (left connected), or a
 * `stomp://` URL (an `EmbeddedBroker`'s `url` carries its first user's credentials) or connection
 * options to connect just for this wait. On a queue it takes exactly one message; the rest stay
 * queued. A topic keeps nothing for a subscription that does not exist yet: publish to it only
 * once {@link PendingMessage.subscribed} has resolved.
 * @throws {StompTimeoutError} when no message arrived within `timeoutMs`.
 * @throws {StompUsageError} for a `timeoutMs` that is not more than 0 and at most 2^31 − 1.
 * @example
 * // A queue holds the message until it is taken: no need to wait for the subscription.
 * const invoice = await waitForMessage(broker.url, '/queue/invoices', { timeoutMs: 2000 });
 * @example
 * // A topic drops what nobody is subscribed to: publish once the subscription is in place.
 * const price = waitForMessage(broker.url, '/topic/prices');
 * await price.subscribed;
 * await conn.send('/topic/prices', '9.5');
 * expect((await price).text()).toBe('9.5');
 */
export function waitForMessage(connectionOrUrl: StompConnection | string | ConnectionOptions, destination: string, options: WaitForMessageOptions = {}): PendingMessage {
  let markSubscribed!: () => void;
  let failSubscribed!: (error: unknown) => void;
  const subscribed = new Promise<void>((resolve, reject) => {
    markSubscribed = resolve;
    failSubscribed = reject;
  });
  // Handled here so that a caller awaiting only the message is not told twice of one failure.
  subscribed.catch(() => undefined);
  const message = receive(connectionOrUrl, destination, options, markSubscribed).catch((error: unknown) => {
    failSubscribed(error);
    throw error;
  });
  return Object.assign(message, { subscribed });
}

/** The wait itself; `onSubscribed` is called once the subscription is in place. */
async function receive(connectionOrUrl: StompConnection | string | ConnectionOptions, destination: string, options: WaitForMessageOptions, onSubscribed: () => void): Promise<Frame> {
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) throw new StompUsageError(`option timeoutMs must be more than 0 and at most ${MAX_TIMER_MS} ms, got ${timeoutMs}`);
  const own = !(connectionOrUrl instanceof StompConnection);
  const conn = own ? new StompConnection({ ...connectionOptionsOf(connectionOrUrl), timeout: timeoutMs / 1000, autoReconnect: false }) : connectionOrUrl;
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(new StompTimeoutError(`a MESSAGE on ${destination}`, timeoutMs));
    }, timeoutMs);
  });
  const wait = new FirstMessage(conn, destination, subscribeHeaders(options.headers), onSubscribed);
  try {
    if (own) await Promise.race([conn.connect(), deadline]);
    return await Promise.race([wait.start(), deadline]);
  } finally {
    clearTimeout(timer);
    await wait.stop();
    const closed = own ? conn.disconnect().catch(() => undefined) : undefined;
    // Past the deadline the caller hears of it now; a broker that does not confirm the DISCONNECT
    // cannot hold the caller, and the engine closes the socket by itself at its receipt timeout.
    if (!expired) await closed;
  }
}

function connectionOptionsOf(target: string | ConnectionOptions): ConnectionOptions {
  return typeof target === 'string' ? { hosts: [target] } : target;
}

/** The caller's headers, plus prefetch 1 unless the caller set a prefetch header. */
function subscribeHeaders(headers: HeadersInit | undefined): HeaderEntry[] {
  const given = headers === undefined ? [] : headerEntries(headers);
  const named = new Set(given.map(([name]) => name));
  return [...given, ...PREFETCH_ONE.filter(([name]) => !named.has(name))];
}

/** One subscription that ends with its first message. */
class FirstMessage {
  private readonly id: string;
  private ended = false;

  constructor(
    private readonly conn: StompConnection,
    private readonly destination: string,
    private readonly headers: HeaderEntry[],
    private readonly onSubscribed: () => void,
  ) {
    waits += 1;
    this.id = `wait-for-message-${waits}`;
  }

  /**
   * Subscribes, calling `onSubscribed` at the SUBSCRIBE's receipt (or the first MESSAGE, if it comes
   * first); resolves with the first MESSAGE, once its ACK and the UNSUBSCRIBE are written.
   */
  start(): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      this.conn.setListener(this.id, {
        onMessage: (frame) => {
          if (frame.header('subscription') !== this.id || this.ended) return;
          this.ended = true;
          // A broker may deliver before it answers the receipt: the subscription was there all the same.
          this.onSubscribed();
          this.conn.removeListener(this.id);
          // Both in one tick, so they leave in one segment: a broker reads the UNSUBSCRIBE before it
          // could hand the freed prefetch slot another message, which would then come back redelivered.
          Promise.all([this.conn.ack(frame), this.conn.unsubscribe(this.id)]).then(() => resolve(frame), reject);
        },
      });
      this.conn.subscribe(this.destination, this.id, 'client-individual', this.headers, { receipt: true }).then(this.onSubscribed, reject);
    });
  }

  /**
   * Ends the subscription if no message ended it (a timeout), without waiting for any receipt: the
   * deadline has passed, and a broker handles a connection's frames in order, so whatever the
   * caller sends next on it comes after the UNSUBSCRIBE.
   */
  async stop(): Promise<void> {
    this.conn.removeListener(this.id);
    if (this.ended) return;
    this.ended = true;
    if (this.conn.getSubscriptions().has(this.id)) await this.conn.unsubscribe(this.id).catch(() => undefined);
  }
}
