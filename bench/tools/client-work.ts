/**
 * The client's own work per message, without a broker or a kernel in the way: on this 2-core VM a
 * throughput run's CPU per message moves by 2x between runs, too much to see a change of 10 %.
 *   node scripts/run-ts.js bench/tools/client-work.ts --mode receive|decode|send [--ack auto|client-individual]
 *        [--body 100] [--broker activemq|rabbitmq] [--frames-per-read N] [--n 20000] [--passes 13] [--lib /path/to/other/lib/engine]
 * receive: a StompConnection on a stand-in socket (what it writes is dropped) is handed
 *          MESSAGE frames (--body bytes) as ActiveMQ 5.17 or RabbitMQ 3.10 sends them, in 64 KB reads (or of
 *          --frames-per-read whole frames: a consumer keeping up with RabbitMQ gets one a read); the listener reads each body as text
 *          and, with client-individual, acks it.  decode: the same reads through FrameDecoder alone.
 *          send: `send()` of --body byte messages.
 * Prints µs per message, best and median of the passes after three warm-up passes. By default
 * --n keeps the stream within ~8 MB (a socket's reads are hot in the cache; a larger stream is not)
 * and --passes makes up 260,000 messages. `--lib` loads another copy of the engine (say, a
 * `git worktree` of HEAD) for before/after comparisons.
 * Timings here still move with the VM; instruction counts do not (within ~2 %): under
 *   valgrind --tool=callgrind --instr-atstart=no node scripts/run-ts.js bench/tools/client-work.ts … --callgrind
 * instrumentation is on for the timed passes only, so callgrind's total ÷ (n × (passes − 3)) is
 * instructions per message.
 */
import { execFileSync } from 'node:child_process';
import type * as Engine from '../../lib/engine';
import type * as Decoder from '../../lib/engine/decoder';
import { num, parseArgs, str } from '../support/child';
import { brokerStream } from '../support/streams';

const WARMUP_PASSES = 3;
/** Messages a pass and passes, by default, for small bodies. */
const MESSAGES = 20_000;
const PASSES = 13;
/** The largest stream made by default, and what a frame adds to its body (head, NUL, EOL) at most. */
const STREAM_BYTES_MAX = 8 * 1024 * 1024;
const HEAD_BYTES = 256;

/** What a StompConnection needs of its socket for reading, acking and sending. */
class StandInSocket {
  writableLength = 0;
  cork(): void {}
  uncork(): void {}
  write(): boolean {
    return true;
  }
  destroy(): void {}
  /** The heart-beat monitor stops on 'close', which never comes here. */
  once(): this {
    return this;
  }
}

/** The connection's private socket plumbing, reached into the way the socket's read callback does. */
interface Plumbing {
  socket: unknown;
  state: string;
  connectedWaiter: { resolve(): void; reject(error: Error): void } | null;
  onData(socket: unknown, chunk: Buffer): void;
}

const args = parseArgs();
const mode = str(args, 'mode');
const ack = str(args, 'ack', 'auto') as Engine.AckMode;
const size = num(args, 'body', 100);
// A socket's reads are fresh in the cache (the kernel has just copied them); a stream of 20,000
// 10 KB frames (208 MB) is not, and decoding it cost twice as much (1.1 against 0.6 µs a frame). So
// the stream holds at most ~8 MB by default (20,000 frames of 100 B), and the passes make up the count.
const n = num(args, 'n', Math.min(MESSAGES, Math.floor(STREAM_BYTES_MAX / (size + HEAD_BYTES))));
const passes = num(args, 'passes', Math.ceil((PASSES * MESSAGES) / n));
const broker = brokerArg(str(args, 'broker', 'activemq'));
const lib = str(args, 'lib', '../../lib/engine');
/* eslint-disable @typescript-eslint/no-var-requires */
const engine = require(lib) as typeof Engine;
const { FrameDecoder } = require(`${lib}/decoder`) as typeof Decoder;

/** A connection that took a CONNECTED from the stand-in socket and subscribed `s1`. */
async function connected(onMessage: (connection: Engine.StompConnection, frame: Engine.Frame) => void): Promise<{ connection: Engine.StompConnection; feed: (chunk: Buffer) => void }> {
  const connection = new engine.StompConnection({ hosts: [['127.0.0.1', 1]], autoReconnect: false, heartbeats: [0, 0] });
  connection.setListener('bench', {
    onMessage: (frame) => onMessage(connection, frame),
    onConnectionError: (error) => {
      throw error;
    },
  });
  const socket = new StandInSocket();
  const plumbing = connection as unknown as Plumbing;
  plumbing.socket = socket;
  plumbing.state = 'connecting';
  plumbing.connectedWaiter = { resolve: () => undefined, reject: (error) => { throw error; } };
  plumbing.onData(socket, Buffer.from(`CONNECTED\nversion:1.2\nheart-beat:0,0\nserver:${broker === 'activemq' ? 'ActiveMQ/5.17.2' : 'RabbitMQ/3.10.8'}\n\n\0`));
  await connection.subscribe('/queue/bench', 's1', ack);
  return { connection, feed: (chunk) => plumbing.onData(socket, chunk) };
}

function brokerArg(value: string): 'activemq' | 'rabbitmq' {
  if (value !== 'activemq' && value !== 'rabbitmq') throw new Error(`--broker is activemq or rabbitmq; got ${value}`);
  return value;
}

async function main(): Promise<void> {
  let handled = 0;
  let pass: () => void;
  if (mode === 'send') {
    const { connection } = await connected(() => undefined);
    const body = Buffer.alloc(size, 'x');
    pass = () => {
      for (let i = 0; i < n; i++) void connection.send('/queue/bench', body);
      handled += n;
    };
  } else {
    const { chunks } = brokerStream(broker, n, ack !== 'auto', size, num(args, 'frames-per-read', 0));
    if (mode === 'decode') {
      const decoder = new FrameDecoder({ onFrame: () => void handled++, onHeartbeat: () => undefined }, {}, '1.2');
      pass = () => chunks.forEach((chunk) => decoder.push(chunk));
    } else if (mode === 'receive') {
      const { feed } = await connected((connection, frame) => {
        if (frame.text().length !== size) throw new Error('body not read whole');
        handled++;
        if (ack !== 'auto') void connection.ack(frame);
      });
      pass = () => chunks.forEach(feed);
    } else {
      throw new Error(`--mode is receive, decode or send; got ${mode}`);
    }
  }
  const callgrind = (on: boolean): void => {
    if (args.callgrind !== undefined) execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(process.pid)], { stdio: 'ignore' });
  };
  const times: number[] = [];
  for (let p = 0; p < passes; p++) {
    if (p === WARMUP_PASSES) callgrind(true);
    handled = 0;
    const t0 = process.hrtime.bigint();
    pass();
    times.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
    if (handled !== n) throw new Error(`pass ${p}: ${handled} of ${n} messages`);
    // Sends resolve and ticks end between passes, as between reads on a socket.
    await new Promise((resolve) => setImmediate(resolve));
  }
  callgrind(false);
  const timed = times.slice(WARMUP_PASSES).sort((a, b) => a - b);
  process.stdout.write(`${mode} ${ack} (${lib}): best ${timed[0].toFixed(3)} µs/msg, median ${timed[timed.length >> 1].toFixed(3)}; ${n * timed.length} messages timed\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`client-work: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
