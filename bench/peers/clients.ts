/**
 * One small adapter per Node STOMP client, so the engine workloads drive each the same way and each
 * the way its documentation shows (its own send, subscribe and ack calls). Everything speaks STOMP
 * 1.2 with heart-beats off. The raw client is the ceiling: pre-encoded frames written in 64 KB
 * batches, MESSAGE frames counted by their NULs, acks taken from a byte search.
 */
import * as net from 'node:net';
import { StompConnection } from '../../lib/engine/connection';
import type { Frame } from '../../lib/engine/frame';
import { benchRequire } from '../support/child';
import { splitBareFrames } from '../support/streams';
import '../support/experiments';

export interface Endpoint {
  host: string;
  port: number;
  login: string;
  passcode: string;
  /** RabbitMQ's virtual host; ActiveMQ ignores it. */
  vhost: string;
}

export type AckMode = 'auto' | 'client-individual';

/** What a workload needs from a client. `M` is the client's own message object. */
export interface StompPeer<M = unknown> {
  /** Sends one message, waiting only when the client's socket asks it to (back-pressure). */
  send(destination: string, body: Buffer, headers?: Record<string, string>): Promise<void> | void;
  /** Sends `count` copies of one message (the raw client batches them; the others loop over send). */
  sendMany?(destination: string, body: Buffer, count: number, headers?: Record<string, string>): Promise<void>;
  subscribe(destination: string, id: string, ack: AckMode, headers: Record<string, string>, onMessage: (message: M) => void): Promise<void>;
  ack(message: M): void;
  header(message: M, name: string): string | undefined;
  bodyText(message: M): string;
  close(): Promise<void>;
}

const NUL = 0;

export async function connectPeer(kind: string, endpoint: Endpoint): Promise<StompPeer<any>> {
  switch (kind) {
    case 'ours':
      return ours(endpoint);
    case 'stompjs':
      return stompjs(endpoint);
    case 'stompit':
      return stompit(endpoint, false);
    case 'stompit-nodelay':
      return stompit(endpoint, true);
    case 'raw':
      return raw(endpoint, { parse: false, batched: true });
    case 'raw-each':
      return raw(endpoint, { parse: false, batched: false });
    case 'raw-parse':
      return raw(endpoint, { parse: true, batched: true });
    default:
      throw new Error(`unknown STOMP peer ${kind}`);
  }
}

// ------------------------------------------------------------------------------------------ ours

async function ours(endpoint: Endpoint): Promise<StompPeer<Frame>> {
  const conn = new StompConnection({
    hosts: [[endpoint.host, endpoint.port]],
    login: endpoint.login,
    passcode: endpoint.passcode,
    vhost: endpoint.vhost,
    reconnectAttemptsMax: 1,
    autoReconnect: false,
  });
  const handlers = new Map<string, (frame: Frame) => void>();
  conn.setListener('bench', {
    onMessage: (frame) => handlers.get(frame.header('subscription') ?? '')?.(frame),
  });
  await conn.connect();
  return {
    send: (destination, body, headers) => conn.send(destination, body, headers ? { headers } : undefined),
    subscribe: async (destination, id, ack, headers, onMessage) => {
      handlers.set(id, onMessage);
      await conn.subscribe(destination, id, ack, headers, { receipt: true });
    },
    ack: (frame) => {
      conn.ack(frame).catch((error: Error) => process.stderr.write(`ack: ${error.message}\n`));
    },
    header: (frame, name) => frame.header(name),
    bodyText: (frame) => frame.text(),
    close: () => conn.disconnect().catch(() => undefined),
  };
}

// ------------------------------------------------------------------------------------------ @stomp/stompjs

async function stompjs(endpoint: Endpoint): Promise<StompPeer<any>> {
  const { Client } = benchRequire('@stomp/stompjs');
  const { TCPWrapper } = benchRequire('@stomp/tcp-wrapper');
  let wrapper: any;
  const client = new Client({
    webSocketFactory: () => (wrapper = new TCPWrapper(endpoint.host, endpoint.port)),
    connectHeaders: { login: endpoint.login, passcode: endpoint.passcode, host: endpoint.vhost },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 0,
    debug: () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame: any) => reject(new Error(`stompjs: ${frame.headers.message}`));
    client.onWebSocketError = (error: any) => reject(new Error(`stompjs socket: ${error?.message ?? error}`));
    client.activate();
  });
  // stompjs publishes without looking at the socket; the harness waits for 'drain' past 1 MB
  // unwritten, or 50,000 10 KB messages would all sit in memory.
  const socket: net.Socket = wrapper.socket;
  const receipts = new Map<string, () => void>();
  client.onUnhandledReceipt = (frame: any) => receipts.get(frame.headers['receipt-id'])?.();
  return {
    send: (destination, body, headers) => {
      client.publish({ destination, binaryBody: body, headers: headers ?? {} });
      if (socket.writableLength > 1 << 20) return new Promise<void>((resolve) => socket.once('drain', resolve));
    },
    subscribe: (destination, id, ack, headers, onMessage) =>
      new Promise<void>((resolve) => {
        const receipt = `sub-${id}`;
        receipts.set(receipt, resolve);
        client.subscribe(destination, onMessage, { id, ack, receipt, ...headers });
      }),
    ack: (message) => message.ack(),
    header: (message, name) => message.headers[name],
    bodyText: (message) => message.body,
    close: () => client.deactivate().catch(() => undefined),
  };
}

// ------------------------------------------------------------------------------------------ stompit

async function stompit(endpoint: Endpoint, noDelay: boolean): Promise<StompPeer<any>> {
  const stompitLib = benchRequire('stompit');
  const client: any = await new Promise((resolve, reject) => {
    stompitLib.connect(
      {
        host: endpoint.host,
        port: endpoint.port,
        noDelay,
        connectHeaders: { host: endpoint.vhost, login: endpoint.login, passcode: endpoint.passcode, 'heart-beat': '0,0', 'accept-version': '1.2' },
      },
      (error: Error | null, c: unknown) => (error ? reject(error) : resolve(c)),
    );
  });
  client.on('error', (error: Error) => process.stderr.write(`stompit: ${error.message}\n`));
  const socket: net.Socket = client.getTransportSocket();
  return {
    send: (destination, body, headers) => {
      const frame = client.send({ destination, 'content-length': body.length, ...headers });
      frame.write(body);
      frame.end();
      // stompit queues frames itself; wait past 1 MB unwritten, as for stompjs
      if (socket.writableLength > 1 << 20) return new Promise<void>((resolve) => socket.once('drain', resolve));
    },
    subscribe: async (destination, id, ack, headers, onMessage) => {
      client.subscribe({ destination, id, ack, ...headers }, (error: Error | null, message: any) => {
        if (error) return process.stderr.write(`stompit subscribe: ${error.message}\n`);
        // the body is a stream: read it whole, as its readString helper does
        message.readString('utf-8', (readError: Error | null, body: string) => {
          if (readError) return process.stderr.write(`stompit read: ${readError.message}\n`);
          message.bodyText = body;
          onMessage(message);
        });
      });
      // a receipted no-op frame after the SUBSCRIBE: once it is confirmed, the subscription is in place
      await new Promise<void>((resolve) => {
        client.sendFrame('BEGIN', { transaction: `probe-${id}` }, { onReceipt: resolve }).end();
      });
      client.sendFrame('ABORT', { transaction: `probe-${id}` }).end();
    },
    ack: (message) => client.ack(message),
    header: (message, name) => message.headers[name],
    bodyText: (message) => message.bodyText,
    close: () =>
      new Promise<void>((resolve) => {
        client.disconnect(() => resolve());
        setTimeout(resolve, 1000);
      }),
  };
}

// ------------------------------------------------------------------------------------------ raw

/**
 * The raw client. With `parse`, MESSAGE frames are cut out and their header lines read (what RPC
 * needs: reply-to, correlation-id); without, they are only counted. `batched` sends many copies of
 * a message in 64 KB writes (the ceiling); without, the harness sends one message at a time, each
 * a pre-encoded frame in its own write (how fast a broker goes for a producer that sends message by
 * message, with no client work at all).
 */
async function raw(endpoint: Endpoint, { parse, batched }: { parse: boolean; batched: boolean }): Promise<StompPeer<RawMessage>> {
  const socket = net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connected = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      if (chunk.indexOf(NUL) < 0) return;
      socket.off('data', onData);
      if (chunk.toString('latin1').startsWith('CONNECTED')) resolve();
      else reject(new Error(`raw: ${chunk.toString('latin1', 0, 200)}`));
    };
    socket.on('data', onData);
  });
  socket.write(`CONNECT\naccept-version:1.2\nhost:${endpoint.vhost}\nlogin:${endpoint.login}\npasscode:${endpoint.passcode}\nheart-beat:0,0\n\n\0`);
  await connected;

  const subscriptions: Array<{ id: string; ack: AckMode; onMessage: (m: RawMessage) => void }> = [];
  const receipts = new Map<string, () => void>();
  let carry: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    // RECEIPTs (subscribe confirmations) before any MESSAGE flows
    if (receipts.size > 0 && chunk.indexOf('RECEIPT') >= 0) {
      for (const [id, resolve] of receipts) if (chunk.indexOf(`receipt-id:${id}`) >= 0) (receipts.delete(id), resolve());
    }
    const sub = subscriptions[0];
    if (sub === undefined) return;
    if (parse) return parseFrames(chunk, sub.onMessage);
    let frames = 0;
    for (let at = chunk.indexOf(NUL); at >= 0; at = chunk.indexOf(NUL, at + 1)) frames++;
    if (sub.ack === 'auto') {
      for (let i = 0; i < frames; i++) sub.onMessage(RAW_MESSAGE);
      return;
    }
    // client-individual: the ack ids, found by a byte search for "\nack:" (a header cut by the chunk
    // boundary is carried over), answered with one write of ACK frames per chunk
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let pos = 0;
    let acks = '';
    let incomplete = -1;
    for (;;) {
      const at = buf.indexOf(ACK_KEY, pos);
      if (at < 0) break;
      const end = buf.indexOf(10, at + ACK_KEY.length);
      if (end < 0) {
        incomplete = at;
        break;
      }
      acks += `ACK\nid:${buf.latin1Slice(at + ACK_KEY.length, end)}\n\n\0`;
      pos = end;
    }
    carry = Buffer.from(buf.subarray(incomplete >= 0 ? incomplete : Math.max(pos, buf.length - ACK_KEY.length + 1)));
    if (acks.length > 0) socket.write(acks);
    for (let i = 0; i < frames; i++) sub.onMessage(RAW_MESSAGE);
  });
  let rest: Buffer | null = null;
  const parseFrames = (chunk: Buffer, onMessage: (m: RawMessage) => void): void => {
    const buf: Buffer = rest === null ? chunk : Buffer.concat([rest, chunk]);
    rest = null;
    let head = '';
    const pos = splitBareFrames(
      buf,
      (headStart, headEnd) => {
        head = buf.latin1Slice(headStart, headEnd);
        const m = /\ncontent-length:(\d+)/.exec(head);
        return m ? Number(m[1]) : -1;
      },
      (_headStart, _headEnd, bodyStart, bodyEnd) => {
        if (head.startsWith('MESSAGE')) onMessage({ raw: true, head, body: buf.latin1Slice(bodyStart, bodyEnd) });
      },
    );
    if (pos < buf.length) rest = Buffer.from(buf.subarray(pos));
  };
  const encode = (destination: string, body: Buffer, headers?: Record<string, string>): Buffer => {
    const extra = headers ? Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join('') : '';
    // A JSON event goes as ClientStomp writes it: text without content-length (autoContentLength
    // 'binary'), which ActiveMQ makes a TextMessage.
    const length = headers?.['content-type'] === 'application/json' ? '' : `content-length:${body.length}\n`;
    return Buffer.concat([Buffer.from(`SEND\ndestination:${destination}\n${extra}${length}\n`), body, Buffer.from([0])]);
  };
  // The throughput workloads send copies of one message: encoded once, as a single frame and as a 64 KB batch.
  const encoded = new Map<string, { frame: Buffer; batch: Buffer; perBatch: number }>();
  const encodedCopies = (destination: string, body: Buffer, headers?: Record<string, string>): { frame: Buffer; batch: Buffer; perBatch: number } => {
    const key = `${destination}\0${body.length}\0${JSON.stringify(headers ?? {})}`;
    let copies = encoded.get(key);
    if (copies === undefined) {
      const frame = encode(destination, body, headers);
      const perBatch = Math.max(1, Math.floor((64 * 1024) / frame.length));
      encoded.set(key, (copies = { frame, batch: Buffer.concat(Array.from({ length: perBatch }, () => frame)), perBatch }));
    }
    return copies;
  };
  const drain = (): Promise<void> => new Promise((resolve) => socket.once('drain', resolve));
  const sendMany = async (destination: string, body: Buffer, count: number, headers?: Record<string, string>): Promise<void> => {
    const { frame, batch, perBatch } = encodedCopies(destination, body, headers);
    let left = count;
    while (left > 0) {
      const n = Math.min(perBatch, left);
      const ok = socket.write(n === perBatch ? batch : batch.subarray(0, n * frame.length));
      left -= n;
      if (!ok) await drain();
    }
  };
  return {
    send: (destination, body, headers) => {
      const frame = headers ? encode(destination, body, headers) : encodedCopies(destination, body).frame;
      if (!socket.write(frame)) return drain();
    },
    sendMany: batched ? sendMany : undefined,
    subscribe: (destination, id, ack, headers, onMessage) =>
      new Promise<void>((resolve) => {
        subscriptions.push({ id, ack, onMessage });
        receipts.set(`sub-${id}`, resolve);
        const extra = Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join('');
        socket.write(`SUBSCRIBE\ndestination:${destination}\nid:${id}\nack:${ack}\n${extra}receipt:sub-${id}\n\n\0`);
      }),
    ack: () => undefined, // acks are written per chunk above
    header: (message, name) => {
      if (message.head === undefined) return undefined;
      const at = message.head.indexOf(`\n${name}:`);
      return at < 0 ? undefined : message.head.slice(at + name.length + 2, message.head.indexOf('\n', at + 1) >>> 0);
    },
    bodyText: (message) => message.body ?? '',
    close: async () => {
      socket.end('DISCONNECT\n\n\0');
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
    },
  };
}

export interface RawMessage {
  readonly raw: true;
  /** With parse: the header section, and the body as latin1 text. */
  readonly head?: string;
  readonly body?: string;
}
const RAW_MESSAGE: RawMessage = { raw: true };
const ACK_KEY = Buffer.from('\nack:');
