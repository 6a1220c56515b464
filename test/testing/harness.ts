import { connect, type Socket } from 'node:net';
import { FrameDecoder, type ConnectionOptions, type Frame, type StompVersion } from '../../lib';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from '../../lib/testing';
import type { BrokerTarget } from '../support/brokers';
import { Inbox, within } from '../support/wait';

const brokers: EmbeddedBroker[] = [];
const raws: RawClient[] = [];

/** An embedded broker for one test, stopped by {@link cleanUp}. */
export async function startBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const broker = await EmbeddedBroker.start(options);
  brokers.push(broker);
  return broker;
}

/** Stops what the test started: raw clients, then brokers. */
export async function cleanUp(): Promise<void> {
  for (const raw of raws.splice(0)) raw.socket.destroy();
  await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
}

/** `broker` as a target of the shared session helpers (test/support/session.ts); no reconnecting unless asked. */
export function targetOf(broker: EmbeddedBroker, options: ConnectionOptions = {}): BrokerTarget {
  return {
    name: 'embedded',
    options: { ...broker.connectionOptions, autoReconnect: false, receiptTimeout: 5, ...options },
    server: /^nestjs-stomp-embedded\//,
    nack: 'requeue',
    closeConnection: async (conn) => {
      broker.closeConnections(conn.connected?.header('session'));
    },
  };
}

/**
 * A client that writes bytes as given, for what the engine never sends (malformed frames, frames
 * before CONNECT, unknown ids), and reads the broker's frames and heart-beats.
 */
export class RawClient {
  readonly frames = new Inbox<Frame>();
  readonly heartbeats = new Inbox<true>();
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder({ onFrame: (frame) => this.frames.push(frame), onHeartbeat: () => this.heartbeats.push(true) });

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(broker: EmbeddedBroker): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port: broker.port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const raw = new RawClient(socket);
    raws.push(raw);
    return raw;
  }

  /** Opens a connection and CONNECTs with `headers` (1.2 by default). */
  static async connected(broker: EmbeddedBroker, headers = 'accept-version:1.2\nhost:/\n'): Promise<RawClient> {
    const raw = await RawClient.open(broker);
    raw.write(`CONNECT\n${headers}\n\0`);
    const connected = await raw.next('CONNECTED');
    raw.decoder.setVersion((connected.header('version') ?? '1.0') as StompVersion);
    return raw;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next frame from the broker, checked to be `command`. */
  async next(command?: string, ms = 3000): Promise<Frame> {
    const frame = await this.frames.next(ms, command ?? 'a frame from the broker');
    if (command !== undefined && frame.command !== command) throw new Error(`expected ${command}, got ${frame.toString()} ${frame.text()}`);
    return frame;
  }

  /** Waits for an ERROR frame and then for the broker to close the connection; returns the ERROR. */
  async expectError(ms = 3000): Promise<Frame> {
    const error = await this.next('ERROR', ms);
    await this.waitClosed(ms);
    return error;
  }

  waitClosed(ms = 3000): Promise<void> {
    return within(this.closed, ms, 'the broker to close the connection');
  }
}
