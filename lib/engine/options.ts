import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { DecoderLimits } from './decoder';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS } from './decoder';
import { DEFAULT_STOMP_PORT, orderEndpoints, parseEndpoint, type Endpoint, type HostAndPort } from './endpoints';
import { StompUsageError } from './errors';
import type { HeadersInit } from './frame';
import { STOMP_VERSIONS, type StompVersion } from './versions';

/**
 * The longest delay Node's timers honour (2^31 − 1 ms, about 24.8 days): a longer one fires after 1 ms.
 * @internal
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** {@link MAX_TIMER_MS} in whole seconds. @internal */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** `reconnectAttemptsMax` value that never gives up, as stomp.py's -1. */
export const RECONNECT_FOREVER = -1;

/**
 * Options of {@link StompConnection}. Durations follow stomp.py: seconds, except heart-beats,
 * which are milliseconds as in the STOMP header.
 */
export interface ConnectionOptions extends DecoderLimits {
  /**
   * Brokers to try in order: `[host, port]` pairs or `stomp://` / `stomp+ssl://` URLs (credentials
   * in a URL are used when `login` is not given).
   * @default [['localhost', 61613]]
   */
  hosts?: readonly HostAndPort[];
  /** Protocol version to ask for; older ones are offered too and the broker's choice rules. @default '1.2' */
  version?: StompVersion;
  /** Try local addresses of the list first. @default true */
  preferLocalhost?: boolean;
  /** For a host that is this machine, try 127.0.0.1 first. @default true */
  tryLoopbackConnect?: boolean;
  /** Local `[address, port]` to bind the socket to: an IP address of this machine, and a port (0: any). */
  bindHostPort?: readonly [string, number];
  /** Seconds allowed for one TCP (and TLS) connect plus the CONNECTED answer. @default 10 */
  timeout?: number;
  /** Seconds to wait for a RECEIPT, including DISCONNECT's. @default 10 */
  receiptTimeout?: number;
  /** TCP keep-alive: `true`, or the initial delay in milliseconds. @default false */
  keepalive?: boolean | number;
  /** Disables Nagle's algorithm; writes are batched per tick anyway. @default true */
  noDelay?: boolean;
  /** TLS for every endpoint: `true` or node:tls options (ca, cert, key, servername…). Verification stays on unless you turn it off. */
  tls?: boolean | TlsConnectionOptions;
  /** User name sent in CONNECT. */
  login?: string;
  /** Password sent in CONNECT; never printed or logged. */
  passcode?: string;
  /** The `host` header (a virtual host on RabbitMQ; ignored by ActiveMQ). @default '/' (1.1, 1.2) */
  vhost?: string;
  /**
   * Extra CONNECT headers for every connect and reconnect, such as `client-id`, which ActiveMQ needs
   * for durable topic subscriptions. `connect({ headers })` adds to them and wins on a shared name.
   */
  connectHeaders?: HeadersInit;
  /** `[cx, cy]`: we can send every cx ms, we want to receive every cy ms; 0 = never. @default [0, 0] */
  heartbeats?: readonly [number, number];
  /** A silent broker is detected after this many receive intervals. @default 1.5 */
  heartbeatReceiveScale?: number;
  /** Seconds to sleep after the first failed pass over the host list. @default 0.1 */
  reconnectSleepInitial?: number;
  /** Growth of the sleep per failed pass (0.5 = +50%). @default 0.5 */
  reconnectSleepIncrease?: number;
  /** Random extra sleep, as a fraction of the sleep. @default 0.1 */
  reconnectSleepJitter?: number;
  /** Longest sleep, in seconds. @default 60 */
  reconnectSleepMax?: number;
  /** Failed socket attempts (over all hosts) before giving up; {@link RECONNECT_FOREVER} never gives up. @default 3 */
  reconnectAttemptsMax?: number;
  /** Reconnect (and re-subscribe) by itself when an established connection drops. @default true */
  autoReconnect?: boolean;
  /** Encoding of string bodies. @default 'utf8' */
  encoding?: BufferEncoding;
  /**
   * Which bodies get a `content-length`: `true` every one, as stomp.py does; `'binary'` bodies given
   * as bytes (a Buffer or Uint8Array) but not those given as strings, which JMS brokers (ActiveMQ,
   * Artemis) then deliver to Java consumers as a `TextMessage` instead of a `BytesMessage`; `false`
   * none. A body containing NUL always gets one, since a reader would otherwise end the frame there.
   * @default true
   */
  autoContentLength?: boolean | 'binary';
  /** Bytes allowed to wait for the socket before `send()` rejects instead of queueing more. @default 16 MiB */
  maxWriteBufferBytes?: number;
  /** Source of randomness for the reconnect jitter; replace it in tests. @default Math.random */
  random?: () => number;
}

/** Options with every default applied and every value checked. */
export interface ResolvedOptions extends Required<Omit<ConnectionOptions, 'hosts' | 'bindHostPort' | 'tls' | 'login' | 'passcode' | 'vhost' | 'connectHeaders'>> {
  endpoints: Endpoint[];
  bindHostPort?: readonly [string, number];
  tls?: TlsConnectionOptions;
  login?: string;
  passcode?: string;
  vhost?: string;
  connectHeaders?: HeadersInit;
}

/** Every default of {@link ConnectionOptions}. */
export const DEFAULT_CONNECTION_OPTIONS = {
  version: '1.2',
  preferLocalhost: true,
  tryLoopbackConnect: true,
  timeout: 10,
  receiptTimeout: 10,
  keepalive: false,
  noDelay: true,
  heartbeats: [0, 0],
  heartbeatReceiveScale: 1.5,
  reconnectSleepInitial: 0.1,
  reconnectSleepIncrease: 0.5,
  reconnectSleepJitter: 0.1,
  reconnectSleepMax: 60,
  reconnectAttemptsMax: 3,
  autoReconnect: true,
  encoding: 'utf8',
  autoContentLength: true,
  maxWriteBufferBytes: 16 * 1024 * 1024,
  maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES,
  maxHeaders: DEFAULT_MAX_HEADERS,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  random: Math.random,
} as const satisfies Partial<ResolvedOptions>;


/**
 * Applies defaults and validates every option once, naming the bad one.
 * @throws {StompUsageError} for an invalid option.
 */
export function resolveOptions(options: ConnectionOptions = {}): ResolvedOptions {
  const merged = { ...DEFAULT_CONNECTION_OPTIONS, ...stripUndefined(options) } as ConnectionOptions & typeof DEFAULT_CONNECTION_OPTIONS;
  if (!STOMP_VERSIONS.includes(merged.version)) bad('version', `must be one of ${STOMP_VERSIONS.join(', ')}`);
  for (const name of ['timeout', 'receiptTimeout', 'reconnectSleepInitial', 'reconnectSleepMax'] as const) {
    if (!(merged[name] > 0)) bad(name, 'must be a positive number of seconds');
  }
  // A deadline past the timer maximum would fire after 1 ms: every connect or receipt would time out at once.
  for (const name of ['timeout', 'receiptTimeout'] as const) {
    if (merged[name] > MAX_TIMER_SECONDS) bad(name, `must be at most ${MAX_TIMER_SECONDS} seconds (about 24.8 days, the longest timer Node allows)`);
  }
  for (const name of ['reconnectSleepIncrease', 'reconnectSleepJitter', 'maxWriteBufferBytes', 'maxHeaderBytes', 'maxHeaders', 'maxBodyBytes'] as const) {
    if (!(merged[name] >= 0)) bad(name, 'must be a non-negative number');
  }
  if (!(merged.heartbeatReceiveScale >= 1)) bad('heartbeatReceiveScale', 'must be at least 1');
  const attempts: number = merged.reconnectAttemptsMax;
  if (!(attempts === RECONNECT_FOREVER || attempts === Infinity || (Number.isInteger(attempts) && attempts >= 1))) {
    bad('reconnectAttemptsMax', 'must be a whole number >= 1, or -1 for no limit');
  }
  // Checked by Node only when a string body is encoded: every send() would reject with a TypeError.
  if (!Buffer.isEncoding(merged.encoding)) bad('encoding', `must be an encoding Node knows (${JSON.stringify(merged.encoding)} is not)`);
  const bind = merged.bindHostPort;
  // Node only fails these when the socket opens, and every attempt (forever, with RECONNECT_FOREVER) would fail alike.
  if (bind !== undefined && !(Array.isArray(bind) && bind.length === 2 && isIP(bind[0]) !== 0 && Number.isInteger(bind[1]) && bind[1] >= 0 && bind[1] <= 65535)) {
    bad('bindHostPort', 'must be [address, port]: an IP address of this machine and a port in 0–65535 (0: any)');
  }
  const hb = merged.heartbeats;
  // Safe integers only: from 1e21 on a number is written with an exponent, which no broker reads in heart-beat.
  if (!Array.isArray(hb) || hb.length !== 2 || !hb.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    bad('heartbeats', 'must be [cx, cy], two whole numbers of milliseconds >= 0');
  }
  const hosts = options.hosts ?? [['localhost', DEFAULT_STOMP_PORT]];
  if (!Array.isArray(hosts) || hosts.length === 0) bad('hosts', 'must list at least one broker');
  const parsed = hosts.map(parseEndpoint);
  const fromUrl = parsed.find((e) => e.login !== undefined);
  // The raw host list is replaced by endpoints: a URL in it may carry the passcode.
  const { hosts: _hosts, ...rest } = merged;
  const resolved: ResolvedOptions = {
    ...rest,
    endpoints: orderEndpoints(parsed, merged.preferLocalhost, merged.tryLoopbackConnect).map(hidePasscode),
    tls: merged.tls === true ? {} : merged.tls === false ? undefined : merged.tls,
    login: options.login ?? fromUrl?.login,
  };
  return hidePasscode(Object.assign(resolved, { passcode: options.passcode ?? (options.login === undefined ? fromUrl?.passcode : undefined) }));
}

/**
 * Makes `passcode` non-enumerable, so logging or serialising the options (JSON.stringify,
 * console.log, Nest's logger) never shows it, while code can still read it.
 */
function hidePasscode<T extends { passcode?: string }>(value: T): T {
  const passcode = value.passcode;
  return Object.defineProperty({ ...value }, 'passcode', { value: passcode, enumerable: false, writable: false });
}

function bad(option: string, why: string): never {
  throw new StompUsageError(`option ${option} ${why}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
