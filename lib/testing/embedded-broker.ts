import { randomBytes } from 'node:crypto';
import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_HEADERS,
  DEFAULT_MAX_HEADER_BYTES,
  MAX_TIMER_MS,
  StompUsageError,
  type ConnectionOptions,
  type DecoderLimits,
} from '../engine';
import { packageVersion } from '../engine/package-version';
import { BrokerSession, type SessionHost, type SessionSettings } from './broker-session';
import { Destinations } from './destinations';

/** Options of {@link EmbeddedBroker.start}. */
export interface EmbeddedBrokerOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** login → passcode. When given, a CONNECT with anything else gets ERROR `Access refused`. @default accept every CONNECT */
  users?: Readonly<Record<string, string>>;
  /**
   * `[sx, sy]` offered in CONNECTED `heart-beat`: the broker sends every sx ms and wants to hear from
   * the client every sy ms. @default what each client asks for
   */
  heartbeats?: readonly [number, number];
  /** Limits of one incoming frame (the engine's decoder limits); `maxBodyBytes` also bounds a connection's open transactions. @default the engine's */
  limits?: DecoderLimits;
  /** Bytes allowed to wait for a slow client's socket before deliveries to it pause. @default 16 MiB */
  maxWriteBufferBytes?: number;
  /** Milliseconds (1 to 2^31 − 1, a Node timer's range) a new connection has to send CONNECT before it is closed. @default 10000 */
  connectTimeoutMs?: number;
}

const PACKAGE_VERSION = readPackageVersion();

/**
 * An in-process STOMP 1.0 / 1.1 / 1.2 broker over real TCP, for development and tests: no broker to
 * install, a random port per test run, and the semantics the integration suites check on RabbitMQ and
 * ActiveMQ (queues, topics with wildcards, ack modes, prefetch, NACK requeue, transactions,
 * receipts, heart-beats, temp-queue request/reply). Messages live in memory only.
 *
 * **Not for production**: no persistence, no clustering, no TLS, no access control beyond a login
 * check, no selectors, priorities or expiry, unbounded queues.
 *
 * @example
 * const broker = await EmbeddedBroker.start();
 * const conn = new StompConnection(broker.connectionOptions);
 * // …
 * await broker.stop();
 */
export class EmbeddedBroker {
  /** The CONNECTED `server` header: `nestjs-stomp-embedded/<package version>`. */
  static readonly SERVER = `nestjs-stomp-embedded/${PACKAGE_VERSION}`;

  private readonly sessions = new Map<string, BrokerSession>();
  /** Every connection, CONNECTed or not, so stop() can end them all. */
  private readonly connections = new Set<BrokerSession>();
  private readonly destinations: Destinations;
  private readonly sessionHost: SessionHost;
  /** Per-broker part of session ids, so ids of another broker (or run) are never taken for ours. */
  private readonly tag = randomBytes(4).toString('hex');
  private issued = 0;
  private stopping: Promise<void> | null = null;
  private readonly boundPort: number;

  private constructor(
    private readonly server: Server,
    /** The address listened on. */
    readonly host: string,
    settings: SessionSettings,
  ) {
    this.boundPort = (server.address() as AddressInfo).port;
    this.destinations = new Destinations({ sessionState: (id) => this.sessionState(id) });
    this.sessionHost = {
      settings,
      destinations: this.destinations,
      register: (session) => this.register(session),
      unregister: (session) => this.sessions.delete(session.sessionId),
    };
    server.on('connection', (socket: Socket) => this.accept(socket));
    // An accept that fails (e.g. out of file descriptors) costs that one connection, not the process.
    server.on('error', () => undefined);
  }

  /**
   * Listens and resolves once connections are accepted.
   * @throws {StompUsageError} for an invalid option.
   * @throws the listen error (e.g. `EADDRINUSE`) when the port cannot be bound.
   */
  static async start(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
    const settings = resolveSettings(options);
    const port = wholeOption('port', options.port ?? 0, 0, 65535);
    const host = options.host ?? '127.0.0.1';
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new EmbeddedBroker(server, host, settings);
  }

  /** The port listened on (the chosen one when started with port 0); still known after stop(). */
  get port(): number {
    return this.boundPort;
  }

  /**
   * `stomp://HOST:PORT`, or `stomp://LOGIN:PASSCODE@HOST:PORT` (percent-encoded) with the first
   * user's credentials when `users` were given, as {@link EmbeddedBroker.connectionOptions} has them:
   * the URL alone connects, as `hosts`, a `STOMP_URL`, or the target of `waitForMessage`. Another
   * user connects with the `login` and `passcode` options, which take precedence over the URL's.
   * @example
   * const broker = await EmbeddedBroker.start({ users: { guest: 'guest' } });
   * broker.url; // 'stomp://guest:guest@127.0.0.1:41234'
   */
  get url(): string {
    const user = this.firstUser();
    const credentials = user === undefined ? '' : `${encodeURIComponent(user[0])}:${encodeURIComponent(user[1])}@`;
    return `stomp://${credentials}${isIPv6(this.host) ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /**
   * Connection options for the engine, `ServerStomp`, `ClientStomp` or `StompModule`: this broker's
   * address and, when `users` were given, the first user's credentials.
   */
  get connectionOptions(): ConnectionOptions {
    const [login, passcode] = this.firstUser() ?? [];
    return { hosts: [[this.host, this.port]], login, passcode };
  }

  /** Ids of the connected sessions (the CONNECTED `session` header of each). */
  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /**
   * Closes one connected session (by its `session` id), or every one, the way an operator or a
   * failing broker would: an ERROR frame, then the socket is closed. Their unacknowledged messages go
   * back to their queues. Returns how many were closed.
   */
  closeConnections(sessionId?: string, reason = 'connection closed by the embedded broker'): number {
    const targets = sessionId === undefined ? [...this.sessions.values()] : [this.sessions.get(sessionId)].filter((s) => s !== undefined);
    for (const session of targets) session.close(reason);
    return targets.length;
  }

  /** Stops listening, drops every connection, and resolves once the server is closed. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const session of this.connections) session.destroy();
    });
    return this.stopping;
  }

  /** `[login, passcode]` of the first of `users` (object key order), which the URL and options carry. */
  private firstUser(): [string, string] | undefined {
    const users = this.sessionHost.settings.users;
    return users === undefined ? undefined : Object.entries(users)[0];
  }

  private accept(socket: Socket): void {
    const session = new BrokerSession(socket, this.sessionHost);
    this.connections.add(session);
    void session.closed.then(() => this.connections.delete(session));
  }

  private register(session: BrokerSession): string {
    this.issued += 1;
    const id = `embedded-${this.tag}-${this.issued}`;
    this.sessions.set(id, session);
    return id;
  }

  private sessionState(id: string): 'live' | 'gone' | 'unknown' {
    if (this.sessions.has(id)) return 'live';
    const match = /^embedded-([0-9a-f]+)-(\d+)$/.exec(id);
    return match !== null && match[1] === this.tag && Number(match[2]) <= this.issued ? 'gone' : 'unknown';
  }
}

function resolveSettings(options: EmbeddedBrokerOptions): SessionSettings {
  const hb = options.heartbeats;
  if (hb !== undefined && !(hb.length === 2 && hb.every((n) => Number.isInteger(n) && n >= 0))) {
    throw new StompUsageError('option heartbeats must be [sx, sy], two whole numbers of milliseconds >= 0');
  }
  const limits = options.limits ?? {};
  return {
    server: EmbeddedBroker.SERVER,
    users: options.users,
    heartbeats: hb,
    limits: {
      maxHeaderBytes: wholeOption('limits.maxHeaderBytes', limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, 1),
      maxHeaders: wholeOption('limits.maxHeaders', limits.maxHeaders ?? DEFAULT_MAX_HEADERS, 1),
      maxBodyBytes: wholeOption('limits.maxBodyBytes', limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 0),
    },
    maxWriteBufferBytes: wholeOption('maxWriteBufferBytes', options.maxWriteBufferBytes ?? 16 * 1024 * 1024, 0),
    // A Node timer cannot wait longer; past it, Node fires after 1 ms.
    connectTimeoutMs: wholeOption('connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1, MAX_TIMER_MS),
  };
}

/**
 * `value` of option `name`, checked to be a whole number from `min` to `max`.
 * @throws {StompUsageError} otherwise.
 */
function wholeOption(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new StompUsageError(`option ${name} must be a whole number ${min}–${max}, got ${value}`);
  return value;
}

/** The package version for the `server` header; a broken install still serves, as 0.0.0. */
function readPackageVersion(): string {
  try {
    return packageVersion();
  } catch {
    return '0.0.0';
  }
}
