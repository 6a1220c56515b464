import { Buffer } from 'node:buffer';
import { isIP, connect as netConnect, type OnReadOpts, type Socket, type TcpNetConnectOpts } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions, type TLSSocket } from 'node:tls';
import type { Endpoint } from './endpoints';
import { formatEndpoint } from './endpoints';
import { StompConnectionError, StompTimeoutError } from './errors';

/** What {@link openSocket} needs besides the endpoint. */
export interface SocketSettings {
  timeoutMs: number;
  tls?: TlsConnectionOptions;
  bindHostPort?: readonly [string, number];
  keepalive: boolean | number;
  noDelay: boolean;
  /** Aborting it destroys the socket before it is ready, failing the open. */
  signal?: AbortSignal;
}

/**
 * Opens a TCP (or TLS, when the endpoint or the settings ask for it) socket and resolves once it
 * is ready to write: connected, and for TLS with the certificate verified. Everything read is
 * passed to `onData`.
 * @throws {StompTimeoutError} when it takes longer than `timeoutMs`.
 * @throws {StompConnectionError} on any socket or TLS error, with it as `cause`, and when `signal` aborts.
 */
export function openSocket(endpoint: Endpoint, settings: SocketSettings, onData: (socket: Socket, chunk: Buffer) => void): Promise<Socket> {
  const useTls = endpoint.tls || settings.tls !== undefined;
  const base = {
    host: endpoint.host,
    port: endpoint.port,
    localAddress: settings.bindHostPort?.[0],
    localPort: settings.bindHostPort?.[1],
    noDelay: settings.noDelay,
    keepAlive: settings.keepalive !== false,
    keepAliveInitialDelay: typeof settings.keepalive === 'number' ? settings.keepalive : 0,
  };
  const socket = useTls ? connectTls(endpoint, base, settings.tls) : netConnect({ ...base, onread: readInto((chunk) => onData(socket, chunk)) });
  if (useTls) {
    // tls.connect() passes neither option on to the TCP socket it opens: set them on it directly.
    socket.setNoDelay(settings.noDelay);
    socket.setKeepAlive(base.keepAlive, base.keepAliveInitialDelay);
    socket.on('data', (chunk: Buffer) => onData(socket, chunk));
  }
  const readyEvent = useTls ? 'secureConnect' : 'connect';
  const where = formatEndpoint(endpoint);
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => fail(new StompTimeoutError(`connecting to ${where}`, settings.timeoutMs)), settings.timeoutMs);
    const fail = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error instanceof StompTimeoutError ? error : new StompConnectionError(`cannot connect to ${where}: ${error.message}`, undefined, { cause: error }));
    };
    const abort = (): void => fail(new Error('connect aborted'));
    const ready = (): void => {
      cleanup();
      resolve(socket);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off(readyEvent, ready);
      settings.signal?.removeEventListener('abort', abort);
    };
    settings.signal?.addEventListener('abort', abort);
    socket.once('error', fail);
    socket.once(readyEvent, ready);
  });
}

/**
 * Starts a TLS connect to `endpoint`. The certificate is checked against `servername` or else
 * `endpoint.tlsName ?? endpoint.host`, as Node does with the host, except that a 127.0.0.1 entry
 * standing for a host name (tlsName) is held to that name, not to the address connected to.
 */
function connectTls(endpoint: Endpoint, base: TcpNetConnectOpts, tls: TlsConnectionOptions | undefined): TLSSocket {
  const name = endpoint.tlsName ?? endpoint.host;
  // SNI carries host names only (RFC 6066).
  const servername = tls?.servername ?? (isIP(name) ? undefined : name);
  const check = tls?.checkServerIdentity ?? checkServerIdentity;
  return tlsConnect({ ...base, ...tls, servername, checkServerIdentity: (_address, cert) => check(servername ?? name, cert) });
}

const READ_BUFFER_BYTES = 64 * 1024;
/** Less room than this left in the read buffer and the next read gets a fresh one. */
const READ_ROOM_MIN = 16 * 1024;
/** Node's buffer pool serves allocations below half its size: copies that small are cheap. */
const POOLED_COPY_MAX = Buffer.poolSize >>> 1;

/**
 * Plain TCP reads go into a buffer of ours and straight to `onData`, past the Readable stream
 * ('data' events, a buffer per read): 12 % less client CPU per message where the broker sends a
 * segment per message (RabbitMQ, bench/RESULTS.md). The decoder keeps slices of what it is given,
 * so a small read is copied out (from Node's pool) and its room reused; a large one is handed over
 * in place and the next read lands after it, so a 64 KiB buffer serves reads until it is nearly
 * full (a fresh 64 KiB per large read: 13 % more garbage-collection time with 10 KB messages).
 */
function readInto(onData: (chunk: Buffer) => void): OnReadOpts {
  let buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  let start = 0;
  return {
    buffer: () => {
      if (READ_BUFFER_BYTES - start < READ_ROOM_MIN) {
        buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
        start = 0;
      }
      return buffer.subarray(start);
    },
    callback: (length) => {
      const read = buffer.subarray(start, start + length);
      if (length < POOLED_COPY_MAX) {
        onData(Buffer.from(read));
      } else {
        start += length;
        onData(read);
      }
      return true;
    },
  };
}
