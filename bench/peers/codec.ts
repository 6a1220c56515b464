/**
 * Workload 3, the codec alone (no broker): one peer, one operation per process.
 *   --op decode   a 64 KB-chunked stream of N mixed MESSAGE frames (10 headers each; 100 B bodies with
 *                 content-length, 1 KB bodies NUL-terminated, a 1 MB body with content-length every 25,000)
 *   --op encode   N SEND frames (5 headers, 100 B body) to bytes ready for socket.write
 *   --op big      one MESSAGE with an 8 MB body (content-length) in 64 KB chunks, decoded --n times
 * Peers: ours (FrameDecoder / encodeFrame), stompjs (its Parser / FrameImpl), stompit
 * (IncomingFrameStream / OutgoingFrameStream), minimal (a bare Buffer-scanning parser and template
 * encoder: the ceiling for a JS codec that validates nothing).
 */
import { Writable } from 'node:stream';
import { FrameDecoder } from '../../lib/engine/decoder';
import { encodeFrame } from '../../lib/engine/encoder';
import { Frame } from '../../lib/engine/frame';
import { benchRequire, main, num, parseArgs, profiled, report, str } from '../support/child';
import { bigStream, messageStream, SEND_BODY, sendEntries, sendHeaders, splitBareFrames } from '../support/streams';

type Decoder = (chunks: Buffer[]) => Promise<{ frames: number; bodyBytes: number }>;

const decoders: Record<string, () => Decoder> = {
  ours: () => async (chunks) => {
    let frames = 0;
    let bodyBytes = 0;
    const decoder = new FrameDecoder(
      {
        onFrame: (frame: Frame) => {
          frames++;
          bodyBytes += frame.body.length;
          // what a consumer reads at least: the routing headers
          if (frame.header('subscription') === undefined) throw new Error('no subscription');
        },
        onHeartbeat: () => undefined,
      },
      {},
      '1.2',
    );
    for (const chunk of chunks) decoder.push(chunk);
    return { frames, bodyBytes };
  },
  stompjs: () => {
    const { Parser } = benchRequire('@stomp/stompjs');
    return async (chunks) => {
      let frames = 0;
      let bodyBytes = 0;
      const parser = new Parser(
        (raw: { headers: [string, string][]; binaryBody: Uint8Array }) => {
          frames++;
          bodyBytes += raw.binaryBody.length;
        },
        () => undefined,
      );
      // @stomp/tcp-wrapper hands the socket's Buffer to parseChunk as it is
      for (const chunk of chunks) parser.parseChunk(chunk);
      return { frames, bodyBytes };
    };
  },
  stompit: () => {
    const IncomingFrameStream = benchRequire('stompit/lib/IncomingFrameStream');
    return (chunks) =>
      new Promise((resolve, reject) => {
        let frames = 0;
        let bodyBytes = 0;
        const stream = new IncomingFrameStream();
        stream.setVersion('1.2');
        stream.on('error', reject);
        stream.on('data', (frame: NodeJS.ReadableStream & { headers: Record<string, unknown> }) => {
          // a consumer needs the body whole (as stompit's readString gives it): the pieces are joined
          const parts: Buffer[] = [];
          frame.on('data', (data: Buffer) => parts.push(data));
          frame.on('end', () => {
            bodyBytes += (parts.length === 1 ? parts[0] : Buffer.concat(parts)).length;
            frames++;
            if (frames === expected) resolve({ frames, bodyBytes });
          });
        });
        let i = 0;
        const expected = Number(process.env.BENCH_EXPECTED_FRAMES);
        const writeNext = (): void => {
          while (i < chunks.length) {
            if (!stream.write(chunks[i++])) return void stream.once('drain', writeNext);
          }
        };
        writeNext();
      });
  },
  minimal: () => async (chunks) => {
    // A bare parser: indexOf for the blank line and the header lines, content-length or NUL for the body,
    // no unescaping, no validation, no limits. A body spanning chunks is joined once.
    let frames = 0;
    let bodyBytes = 0;
    let rest: Buffer | null = null;
    for (const incoming of chunks) {
      const buf: Buffer = rest === null ? incoming : Buffer.concat([rest, incoming]);
      rest = null;
      const headerLines = (headStart: number, headEnd: number): number => {
        let length = -1;
        const headers: [string, string][] = [];
        let line = buf.indexOf(10, headStart) + 1;
        while (line <= headEnd) {
          const eol = buf.indexOf(10, line);
          const colon = buf.indexOf(58, line);
          const name = buf.latin1Slice(line, colon);
          const value = buf.utf8Slice(colon + 1, eol);
          headers.push([name, value]);
          if (length < 0 && name === 'content-length') length = +value;
          line = eol + 1;
        }
        return length;
      };
      const pos = splitBareFrames(buf, headerLines, (_headStart, _headEnd, bodyStart, bodyEnd) => {
        frames++;
        bodyBytes += buf.subarray(bodyStart, bodyEnd).length;
      });
      if (pos < buf.length) rest = buf.subarray(pos);
    }
    return { frames, bodyBytes };
  },
};

type Encoder = (n: number) => number | Promise<number>;

/** What stompjs's Client.publish does: a FrameImpl, serialize() → the string TCPWrapper hands to socket.write. */
function stompjsEncoder(toBytes: boolean): Encoder {
  const { FrameImpl } = benchRequire('@stomp/stompjs');
  return (n) => {
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const frame = new FrameImpl({ command: 'SEND', headers: sendHeaders(i), body: SEND_BODY, escapeHeaderValues: true });
      const out = frame.serialize() as string | ArrayBuffer;
      bytes += typeof out !== 'string' ? out.byteLength : toBytes ? Buffer.from(out, 'utf8').length : out.length;
    }
    return bytes;
  };
}

const encoders: Record<string, () => Encoder> = {
  ours: () => (n) => {
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const frame = new Frame('SEND', sendEntries(i), SEND_BODY);
      for (const b of encodeFrame(frame, '1.2')) bytes += b.length;
    }
    return bytes;
  },
  stompjs: () => stompjsEncoder(false),
  // The same, plus the UTF-8 conversion socket.write(string) does before the bytes can leave:
  // every other encoder here ends with bytes.
  'stompjs-bytes': () => stompjsEncoder(true),
  stompit: () => {
    const OutgoingFrameStream = benchRequire('stompit/lib/OutgoingFrameStream');
    return (n) =>
      new Promise<number>((resolve, reject) => {
        let bytes = 0;
        const sink = new Writable({
          write(chunk: Buffer, _enc, cb) {
            bytes += chunk.length;
            cb();
          },
        });
        const stream = new OutgoingFrameStream(sink);
        stream.setVersion('1.2');
        // what Client.send does: a frame stream per message, its body written, then ended
        for (let i = 0; i < n; i++) {
          const frame = stream.frame('SEND', { ...sendHeaders(i), 'content-length': 100 });
          frame.write(SEND_BODY);
          frame.end(i === n - 1 ? (error?: Error | null) => (error ? reject(error) : resolve(bytes)) : undefined);
        }
      });
  },
  minimal: () => (n) => {
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const head = `SEND\ndestination:/queue/bench.codec\ncontent-type:text/plain;charset=utf-8\npersistent:true\ncorrelation-id:c-${i}\nx-bench:encode\ncontent-length:100\n\n`;
      const headLength = Buffer.byteLength(head);
      const out = Buffer.allocUnsafe(headLength + 101);
      out.utf8Write(head, 0);
      out.utf8Write(SEND_BODY, headLength);
      out[out.length - 1] = 0;
      bytes += out.length;
    }
    return bytes;
  },
};

main(async () => {
  const args = parseArgs();
  const peer = str(args, 'peer');
  const op = str(args, 'op');
  const n = num(args, 'n');
  // Each process times several passes and keeps the fastest: on a shared 2-core machine a pass that
  // another process preempted says nothing about the codec (the harness still alternates processes).
  const passes = Math.max(1, num(args, 'passes', 3));
  if (op === 'encode') {
    const encode = encoders[peer]();
    await encode(Math.min(n, 5000)); // warm-up
    const times: number[] = [];
    let bytes = 0;
    for (let p = 0; p < passes; p++) {
      const t0 = process.hrtime.bigint();
      bytes = await profiled(async () => encode(n));
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const ms = Math.min(...times);
    report({ frames: n, ms, framesPerSec: (n / ms) * 1000, mbPerSec: bytes / 1e6 / (ms / 1000), bytes, passesMs: times });
  }
  const stream = op === 'big' ? bigStream() : messageStream(n);
  process.env.BENCH_EXPECTED_FRAMES = String(stream.frames);
  const decode = decoders[peer]();
  const reps = op === 'big' ? Math.max(passes, 5) : passes;
  // warm-up on a small stream so the JIT has seen every path (and on the big one once)
  if (op === 'big') await decode(stream.chunks);
  else {
    const warm = messageStream(2000);
    process.env.BENCH_EXPECTED_FRAMES = String(warm.frames);
    await decode(warm.chunks);
    process.env.BENCH_EXPECTED_FRAMES = String(stream.frames);
  }
  const times: number[] = [];
  let got = { frames: 0, bodyBytes: 0 };
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    got = await profiled(() => decode(stream.chunks));
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (got.frames !== stream.frames || got.bodyBytes !== stream.bodyBytes) {
    throw new Error(`${peer} decoded ${got.frames} frames / ${got.bodyBytes} body bytes, expected ${stream.frames} / ${stream.bodyBytes}`);
  }
  const ms = Math.min(...times);
  report({ passesMs: times, frames: stream.frames, ms, framesPerSec: (stream.frames / ms) * 1000, mbPerSec: stream.totalBytes / 1e6 / (ms / 1000), bytes: stream.totalBytes });
});
