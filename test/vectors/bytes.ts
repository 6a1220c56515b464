/**
 * Byte building and decoding helpers shared by the unit specs and the vectors. Kept free of jest
 * globals so the vectors can also be loaded by benches or scripts.
 */
import { FrameDecoder, type DecoderLimits } from '../../lib/engine/decoder';
import { StompFrameError } from '../../lib/engine/errors';
import type { Frame } from '../../lib/engine/frame';
import type { StompVersion } from '../../lib/engine/versions';

/** Concatenates text (UTF-8), byte arrays and buffers: wire bytes written as readably as possible. */
export function bytes(...parts: ReadonlyArray<string | Buffer | readonly number[]>): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.isBuffer(p) ? p : Buffer.from(p))));
}

/** A frame as plain data, so that jest's toEqual compares content rather than class internals. */
export interface PlainFrame {
  command: string;
  entries: Array<[string, string]>;
  body: Buffer;
}

export function plain(frame: Frame): PlainFrame {
  return { command: frame.command, entries: frame.entries.map(([k, v]) => [k, v]), body: Buffer.from(frame.body) };
}

/** What came out of the decoder, in order: frames and heart-beats interleaved. */
export type DecodeEvent = { frame: PlainFrame } | 'heartbeat';

/** Everything observable about one decoding run. */
export interface Outcome {
  events: DecodeEvent[];
  /** The exception that stopped the run, if any (any type: callers assert which types are allowed). */
  thrown?: unknown;
}

/**
 * Feeds `chunks` in order to a fresh decoder and records everything it hands out. Stops at the first
 * exception, as a connection would.
 */
export function decodeChunks(chunks: Iterable<Buffer>, version: StompVersion, limits: DecoderLimits = {}): Outcome {
  const events: DecodeEvent[] = [];
  const decoder = new FrameDecoder({ onFrame: (f) => events.push({ frame: plain(f) }), onHeartbeat: () => events.push('heartbeat') }, limits, version);
  try {
    for (const chunk of chunks) decoder.push(chunk);
  } catch (thrown) {
    return { events, thrown };
  }
  return { events };
}

/** The comparable part of an outcome: errors reduced to class, code, limit and message. */
export function summary(outcome: Outcome): { events: DecodeEvent[]; error?: { name: string; code?: string; limit?: number; message: string } } {
  if (outcome.thrown === undefined) return { events: outcome.events };
  const e = outcome.thrown;
  if (e instanceof StompFrameError) return { events: outcome.events, error: { name: e.name, code: e.code, limit: e.limit, message: e.message } };
  return { events: outcome.events, error: { name: `UNEXPECTED ${String((e as Error)?.name)}`, message: String((e as Error)?.message ?? e) } };
}

/** `buf` split into two pieces at `offset`. The split must not copy, to also cover sub-array views. */
export function splitAt(buf: Buffer, offset: number): Buffer[] {
  return [buf.subarray(0, offset), buf.subarray(offset)];
}

/** `buf` one byte per chunk. */
export function byteByByte(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

// Looked up once: jest runs tests in a vm context, where every `Math.x` lookup in a hot loop is ~25× slower.
const imul = Math.imul;
const floor = Math.floor;

/** Small seeded PRNG (mulberry32): reproducible runs without a dependency. Returns [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `buf` cut at random places into chunks of 1 to `maxChunk` bytes, with the odd empty chunk: sockets
 * never deliver one, but a caller might push one.
 */
export function randomChunks(buf: Buffer, random: () => number, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const size = random() < 0.03 ? 0 : 1 + floor(random() * maxChunk);
    out.push(buf.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

/**
 * A string that is equal for two runs exactly when their summaries are: comparing large outcomes
 * this way takes milliseconds where a deep toEqual over thousands of Buffers takes seconds.
 */
export function fingerprint(outcome: Outcome): string {
  const parts = outcome.events.map((e) => (e === 'heartbeat' ? 'HB' : JSON.stringify([e.frame.command, e.frame.entries, e.frame.body.toString('hex')])));
  if (outcome.thrown !== undefined) parts.push(JSON.stringify(summary(outcome).error));
  return parts.join('\n');
}
