import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Server as TlsServer, createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { FrameDecoder, StompConnection, type ConnectionOptions, type Frame, type StompVersion } from '../../lib';
import { Inbox } from './wait';

/** One client connection as the fake peer sees it. */
export class PeerSocket {
  readonly frames = new Inbox<Frame>();
  readonly closed: Promise<void>;
  private readonly decoder: FrameDecoder;

  constructor(readonly socket: Socket) {
    this.decoder = new FrameDecoder({ onFrame: (frame) => this.onFrame(frame), onHeartbeat: () => this.heartbeats++ });
    socket.on('data', (chunk) => this.decoder.push(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  heartbeats = 0;
  /** Answer DISCONNECT as a broker does, so clients close without waiting out their receipt. */
  answersDisconnect = true;

  private onFrame(frame: Frame): void {
    const receipt = frame.header('receipt');
    if (frame.command === 'DISCONNECT' && receipt !== undefined && this.answersDisconnect) this.socket.end(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
    this.frames.push(frame);
  }

  /** Uses `version`'s escaping to read the client's frames. */
  setVersion(version: StompVersion): void {
    this.decoder.setVersion(version);
  }

  /** The next frame from the client; fails the test when it does not arrive in time. */
  next(command?: string, ms = 5000): Promise<Frame> {
    return this.frames.next(ms, command ?? 'a frame').then((frame) => {
      if (command !== undefined && frame.command !== command) throw new Error(`expected ${command}, got ${frame.toString()}`);
      return frame;
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Reads CONNECT and answers CONNECTED with `headers`. */
  async accept(headers: Record<string, string> = { version: '1.2' }): Promise<Frame> {
    const connect = await this.next();
    const lines = Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join('');
    this.write(`CONNECTED\n${lines}\n\0`);
    if (headers.version) this.setVersion(headers.version as StompVersion);
    return connect;
  }

  /** Sends `data` one byte per write, yielding between writes so they leave separately. */
  async writeByteByByte(data: Buffer): Promise<void> {
    for (const byte of data) {
      this.socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Drops the connection at once (RST, no DISCONNECT). */
  cut(): void {
    this.socket.resetAndDestroy();
  }
}

/**
 * A scripted STOMP peer on 127.0.0.1, for what a real broker cannot be made to do: split frames,
 * silence, malformed frames, a socket cut at a chosen moment. Tests drive it frame by frame.
 */
export class FakePeer {
  readonly connections = new Inbox<PeerSocket>();
  private readonly open = new Set<PeerSocket>();

  private constructor(private readonly server: Server) {
    server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
      socket.setNoDelay(true);
      const peer = new PeerSocket(socket);
      this.open.add(peer);
      void peer.closed.then(() => this.open.delete(peer));
      this.connections.push(peer);
    });
  }

  /** Listens on a random loopback port; with `tls`, speaks TLS. */
  static async start(tls?: TlsOptions): Promise<FakePeer> {
    const server: Server = tls ? createTlsServer(tls) : createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakePeer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next client connection. */
  nextConnection(ms = 5000): Promise<PeerSocket> {
    return this.connections.next(ms, 'a client connection');
  }

  async stop(): Promise<void> {
    for (const peer of this.open) peer.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Engine connections opened against fake peers, closed by {@link closeClients}. */
const clients: StompConnection[] = [];

/** A connection to `peer` (not yet connected), fast to retry, closed after the test. */
export function clientOf(peer: FakePeer, options: ConnectionOptions = {}): StompConnection {
  const conn = new StompConnection({ hosts: [['127.0.0.1', peer.port]], reconnectSleepInitial: 0.01, ...options });
  clients.push(conn);
  return conn;
}

/** Connects a client to `peer`, which answers CONNECTED with `headers`. */
export async function connectedClient(peer: FakePeer, options: ConnectionOptions = {}, headers: Record<string, string> = { version: '1.2' }): Promise<[StompConnection, PeerSocket]> {
  const conn = clientOf(peer, options);
  const done = conn.connect();
  const socket = await peer.nextConnection();
  await socket.accept(headers);
  await done;
  return [conn, socket];
}

export async function closeClients(): Promise<void> {
  for (const conn of clients.splice(0)) {
    conn.options.autoReconnect = false;
    await conn.disconnect().catch(() => undefined);
  }
}

/**
 * A fresh FakePeer for each test of the enclosing describe, stopped (with every client opened
 * against it) after the test. Returns a getter for the current one.
 */
export function useFakePeer(tls?: TlsOptions): () => FakePeer {
  let peer: FakePeer | undefined;
  beforeEach(async () => {
    peer = await FakePeer.start(tls);
  });
  afterEach(async () => {
    await closeClients();
    await peer?.stop();
  });
  return () => peer!;
}
