/**
 * Seeded mini-fuzz. Deterministic: a failure names the case index and the bytes, and re-running
 * gives the same failure. Change SEED locally to explore; keep it fixed in the suite.
 */
import type { DecoderLimits } from '../../lib/engine/decoder';
import { encodeFrame } from '../../lib/engine/encoder';
import { StompErrorCode, StompFrameError } from '../../lib/engine/errors';
import { Frame, type HeaderEntry } from '../../lib/engine/frame';
import { headerCodec, STOMP_VERSIONS, type StompVersion } from '../../lib/engine/versions';
import { decodeChunks, fingerprint, prng, randomChunks, summary, type Outcome } from '../vectors/bytes';
import { ERROR_VECTORS } from '../vectors/errors';
import { FRAME_VECTORS } from '../vectors/frames';
import { SPECIAL, int, mutate, pick } from '../vectors/mutate';

const SEED = 0x5701_2f00;
/** Mutated streams; with the random-byte streams below, over 100,000 fuzzed inputs a run. */
const CASES = 80_000;
const RANDOM_CASES = 20_000;
const COMMANDS = new Set(['CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT', 'CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR']);

function limitsFor(random: () => number): DecoderLimits {
  if (random() < 0.6) return {};
  return { maxHeaderBytes: 8 + int(random, 200), maxHeaders: int(random, 8), maxBodyBytes: int(random, 300) };
}

function allowed(outcome: Outcome): boolean {
  if (outcome.thrown !== undefined && !(outcome.thrown instanceof StompFrameError)) return false;
  return outcome.events.every((e) => e === 'heartbeat' || COMMANDS.has(e.frame.command));
}

// Thousands of expected StompFrameErrors: capturing jest's deep stacks for each would dominate the run.
let stackTraceLimit: number;
beforeAll(() => {
  stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
});
afterAll(() => {
  Error.stackTraceLimit = stackTraceLimit;
});

describe('seeded fuzz of the decoder', () => {
  const corpus = [...FRAME_VECTORS.map((v) => v.bytes), ...ERROR_VECTORS.map((v) => v.bytes)];

  it(`${CASES} mutated streams in random chunkings: frames or a StompFrameError, the same whatever the chunking`, () => {
    const random = prng(SEED);
    const failures: string[] = [];
    const tally = { clean: 0, errors: 0, frames: 0 };
    for (let n = 0; n < CASES && failures.length < 5; n++) {
      const parts = Array.from({ length: 1 + int(random, 3) }, () => pick(random, corpus));
      const input = mutate(Buffer.concat(parts), random);
      const version = pick(random, STOMP_VERSIONS);
      const limits = limitsFor(random);
      const whole = decodeChunks([input], version, limits);
      const chunked = decodeChunks(randomChunks(input, random, pick(random, [1, 2, 5, 16, 64, 512, 4096])), version, limits);
      if (!allowed(whole) || !allowed(chunked) || fingerprint(whole) !== fingerprint(chunked)) {
        failures.push(JSON.stringify({ n, version, limits, input: input.toString('hex'), whole: summary(whole).error, chunked: summary(chunked).error }));
      }
      tally.frames += whole.events.filter((e) => e !== 'heartbeat').length;
      if (whole.thrown === undefined) tally.clean += 1;
      else tally.errors += 1;
    }
    expect(failures).toEqual([]);
    // The corpus and mutations must exercise both paths, or the fuzz proves nothing.
    expect(tally.clean).toBeGreaterThan(CASES / 10);
    expect(tally.errors).toBeGreaterThan(CASES / 10);
    expect(tally.frames).toBeGreaterThan(CASES / 4);
  });

  it(`${RANDOM_CASES} streams of random bytes: frames or a StompFrameError`, () => {
    const random = prng(SEED + 1);
    const failures: string[] = [];
    for (let n = 0; n < RANDOM_CASES; n++) {
      const input = Buffer.from(Array.from({ length: int(random, 200) }, () => (random() < 0.3 ? pick(random, SPECIAL) : int(random, 256))));
      const version = pick(random, STOMP_VERSIONS);
      const whole = decodeChunks([input], version);
      const chunked = decodeChunks(randomChunks(input, random, 5), version);
      if (!allowed(whole) || fingerprint(chunked) !== fingerprint(whole)) failures.push(`${n} ${version} ${input.toString('hex')}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('seeded fuzz of the encoder', () => {
  const ALPHABET = ['a', 'z', ':', '\n', '\r', '\\', 'c', 'n', 'r', 't', ' ', 'é', '😀', '\0'];

  function text(random: () => number, max: number): string {
    let s = '';
    const length = int(random, max + 1);
    for (let i = 0; i < length; i++) s += random() < 0.5 ? pick(random, ALPHABET) : String.fromCharCode(0x61 + int(random, 26));
    return s;
  }

  /** What each version can carry, stated independently of the codec: the encoder must agree. */
  function carriable(version: StompVersion, command: string, entries: HeaderEntry[]): boolean {
    const raw = version === '1.0' || ['CONNECT', 'STOMP', 'CONNECTED'].includes(command);
    return entries.every(([name, value]) => {
      if (name === 'content-length') return true;
      if (name.length === 0 || name.includes('\0') || value.includes('\0')) return false;
      if (raw) return !/[\r\n:]/.test(name) && !/[\r\n]/.test(value);
      if (version === '1.1') return !name.includes('\r') && !value.includes('\r');
      return true;
    });
  }

  it('random frames on every version: refused exactly when the version cannot carry them, otherwise round-tripped', () => {
    const random = prng(SEED + 2);
    const counts = { encoded: 0, refused: 0 };
    const failures: unknown[] = [];
    for (let n = 0; n < 5_000 && failures.length < 5; n++) {
      const version = pick(random, STOMP_VERSIONS);
      const command = pick(random, [...COMMANDS]);
      const entries: HeaderEntry[] = Array.from({ length: int(random, 5) }, () => [text(random, 6), text(random, 10)]);
      const body = Buffer.from(Array.from({ length: int(random, 40) }, () => (random() < 0.2 ? 0 : int(random, 256))));
      const frame = new Frame(command, entries, body);
      const expectCarriable = carriable(version, command, entries);
      let chunks: Buffer[];
      try {
        chunks = encodeFrame(frame, version, { autoContentLength: random() < 0.5 });
      } catch (error) {
        const ok = error instanceof StompFrameError && error.code === StompErrorCode.Unencodable && !expectCarriable;
        if (!ok) failures.push({ n, version, command, entries, error: String(error) });
        counts.refused += 1;
        continue;
      }
      const { events, thrown } = decodeChunks(randomChunks(Buffer.concat(chunks), random, 9), version);
      const decoded = events.length === 1 && events[0] !== 'heartbeat' ? events[0].frame : undefined;
      const same =
        decoded !== undefined &&
        JSON.stringify(decoded.entries.filter(([k]) => k !== 'content-length')) === JSON.stringify(entries.filter(([k]) => k !== 'content-length')) &&
        decoded.body.equals(body);
      if (!expectCarriable || thrown !== undefined || !same) failures.push({ n, version, command, entries, thrown: String(thrown), decoded });
      counts.encoded += 1;
    }
    expect(failures).toEqual([]);
    expect(counts.encoded).toBeGreaterThan(500);
    expect(counts.refused).toBeGreaterThan(500);
  });

  it('codec round trip on random text, every version and command kind', () => {
    const random = prng(SEED + 3);
    const failures: unknown[] = [];
    let checked = 0;
    for (let n = 0; n < 20_000 && failures.length < 5; n++) {
      const version = pick(random, STOMP_VERSIONS);
      const command = pick(random, ['SEND', 'MESSAGE', 'CONNECT', 'CONNECTED']);
      const codec = headerCodec(version, command);
      const value = text(random, 12);
      try {
        const back = codec.unescape(codec.escapeValue(value, 'h'));
        if (back !== value) failures.push({ n, version, command, value, back });
        checked += 1;
      } catch (error) {
        if (!(error instanceof StompFrameError) || error.code !== StompErrorCode.Unencodable) failures.push({ n, version, command, value, error: String(error) });
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
  });
});
