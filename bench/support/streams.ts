/** The byte streams of the codec workload, shared by bench/peers/codec.ts and bench/tools/verify-codec.ts. */

const CHUNK = 64 * 1024;
const NUL = Buffer.from([0]);
const NUL_EOL = Buffer.from([0, 0x0a]);

export interface Stream {
  chunks: Buffer[];
  frames: number;
  bodyBytes: number;
  totalBytes: number;
}

/** The MESSAGE stream, as a broker (ActiveMQ-style ids with escaped colons, STOMP 1.2) would send it. */
export function messageStream(n: number): Stream {
  const parts: Buffer[] = [];
  let bodyBytes = 0;
  const small = Buffer.alloc(100, 'a');
  const medium = Buffer.alloc(1024, 'b');
  const large = Buffer.alloc(1024 * 1024, 'c');
  for (let i = 0; i < n; i++) {
    const body = i % 25_000 === 12_345 ? large : i % 2 === 0 ? small : medium;
    const withLength = body !== medium;
    let head =
      'MESSAGE\n' +
      'destination:/queue/bench.codec\n' +
      `message-id:ID\\cbench-host-40123-1764170000000-1\\c1\\c1\\c1\\c${i}\n` +
      'subscription:sub-0\n' +
      `ack:ID\\cbench-host-40123-1764170000000-1\\c1\\c1\\c1\\c${i}\n` +
      'content-type:application/json\n' +
      'persistent:true\n' +
      'priority:4\n' +
      `timestamp:${1764170000000 + i}\n` +
      'expires:0\n';
    head += withLength ? `content-length:${body.length}\n\n` : 'x-bench:1\n\n';
    parts.push(Buffer.from(head, 'utf8'), body, NUL);
    bodyBytes += body.length;
  }
  const all = Buffer.concat(parts);
  return { chunks: chunked(all), frames: n, bodyBytes, totalBytes: all.length };
}

/**
 * `n` MESSAGE frames with `size`-byte bodies as `broker` sends them on STOMP 1.2 (the headers of one
 * captured from it), with the `ack` header of client acks when `withAck`, each frame followed by an
 * EOL as both send it: ActiveMQ 5.17's ids carry escaped colons and its `ack` value is an id of its
 * own, RabbitMQ 3.10's need no escaping and repeat the `message-id`. In reads of 64 KB, or of
 * `framesPerRead` whole frames each (a consumer that keeps up with RabbitMQ reads one frame at a time).
 */
export function brokerStream(broker: 'activemq' | 'rabbitmq', n: number, withAck: boolean, size = 100, framesPerRead = 0): Stream {
  const body = Buffer.alloc(size, 'x');
  const parts: Buffer[] = [];
  for (let i = 1; i <= n; i++) {
    if (broker === 'activemq') {
      const id = `ID\\cvm-37859-1795731328591-3\\c50\\c-1\\c1\\c${i}`;
      const ack = withAck ? `ack:ID\\cvm-37859-1795731328591-4\\c${i}\n` : '';
      parts.push(Buffer.from(`MESSAGE\ncontent-length:${size}\nexpires:0\ndestination:/queue/bench\n${ack}subscription:s1\npriority:4\nmessage-id:${id}\ntimestamp:1795731918551\n\n`), body, NUL_EOL);
    } else {
      const id = `T_s1@@session-3BRNT6ePhcfaXMm-xmOMPA@@${i}`;
      const ack = withAck ? `ack:${id}\n` : '';
      parts.push(Buffer.from(`MESSAGE\nsubscription:s1\ndestination:/queue/bench\nmessage-id:${id}\nredelivered:false\n${ack}content-length:${size}\n\n`), body, NUL_EOL);
    }
  }
  const all = Buffer.concat(parts);
  // Three parts a frame: head, body, NUL and EOL.
  const chunks = framesPerRead > 0 ? joinedBy(parts, 3 * framesPerRead) : chunked(all);
  return { chunks, frames: n, bodyBytes: n * body.length, totalBytes: all.length };
}

/** `parts` joined `count` at a time. */
function joinedBy(parts: Buffer[], count: number): Buffer[] {
  const joined: Buffer[] = [];
  for (let i = 0; i < parts.length; i += count) joined.push(Buffer.concat(parts.slice(i, i + count)));
  return joined;
}

/** `all` in reads of 64 KB. */
function chunked(all: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let off = 0; off < all.length; off += CHUNK) chunks.push(all.subarray(off, Math.min(all.length, off + CHUNK)));
  return chunks;
}

export function bigStream(): Stream {
  const body = Buffer.alloc(8 * 1024 * 1024, 'd');
  const head = Buffer.from(`MESSAGE\ndestination:/queue/big\nmessage-id:m-1\nsubscription:s\ncontent-length:${body.length}\n\n`);
  const all = Buffer.concat([head, body, NUL]);
  return { chunks: chunked(all), frames: 1, bodyBytes: body.length, totalBytes: all.length };
}

/** The body of the SEND frames the encode workload writes (and bench/tools/codec-before-after.ts). */
export const SEND_BODY = 'x'.repeat(100);

/** Their five headers, one varying per frame, as header entries. */
export function sendEntries(i: number): [string, string][] {
  return [
    ['destination', '/queue/bench.codec'],
    ['content-type', 'text/plain;charset=utf-8'],
    ['persistent', 'true'],
    ['correlation-id', `c-${i}`],
    ['x-bench', 'encode'],
  ];
}

/** The same headers as an object, for the clients that take one. */
export function sendHeaders(i: number): Record<string, string> {
  return { destination: '/queue/bench.codec', 'content-type': 'text/plain;charset=utf-8', persistent: 'true', 'correlation-id': `c-${i}`, 'x-bench': 'encode' };
}

/**
 * The bare frame splitter of the reference clients (the raw RPC peer, the codec's "minimal"
 * parser): skips EOLs, finds the blank line with indexOf, takes the body by `contentLength` (which
 * reads the header section between `headStart` and `headEnd`; −1 for none) or up to the NUL. Calls
 * `onFrame` for every whole frame and returns where the unfinished rest begins. No unescaping, no
 * validation, no limits.
 */
export function splitBareFrames(
  buf: Buffer,
  contentLength: (headStart: number, headEnd: number) => number,
  onFrame: (headStart: number, headEnd: number, bodyStart: number, bodyEnd: number) => void,
): number {
  let pos = 0;
  for (;;) {
    while (pos < buf.length && (buf[pos] === 10 || buf[pos] === 13)) pos++;
    const headEnd = buf.indexOf('\n\n', pos);
    if (headEnd < 0) return pos;
    const length = contentLength(pos, headEnd);
    const bodyStart = headEnd + 2;
    const nul = length >= 0 ? bodyStart + length : buf.indexOf(0, bodyStart);
    if (nul < 0 || nul >= buf.length) return pos;
    onFrame(pos, headEnd, bodyStart, nul);
    pos = nul + 1;
  }
}
