import { constants as bufferConstants } from 'node:buffer';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_MAX_HEADER_BYTES, FrameDecoder, type DecoderLimits } from '../../lib/engine/decoder';
import { StompError, StompErrorCode, StompFrameError } from '../../lib/engine/errors';
import type { Frame } from '../../lib/engine/frame';
import type { StompVersion } from '../../lib/engine/versions';
import { byteByByte, bytes, decodeChunks, fingerprint, splitAt, summary, type Outcome } from '../vectors/bytes';
import { ERROR_VECTORS, RAW_ON_10 } from '../vectors/errors';

const GOOD = bytes('RECEIPT\nreceipt-id:after-reset\n\n\0');

function collector(limits: DecoderLimits = {}, version: StompVersion = '1.2'): { decoder: FrameDecoder; frames: Frame[]; heartbeats: () => number } {
  const frames: Frame[] = [];
  let heartbeats = 0;
  const decoder = new FrameDecoder({ onFrame: (f) => frames.push(f), onHeartbeat: () => (heartbeats += 1) }, limits, version);
  return { decoder, frames, heartbeats: () => heartbeats };
}

function thrownBy(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('decoder error vectors', () => {
  for (const vector of ERROR_VECTORS) {
    describe(vector.name, () => {
      for (const version of vector.versions) {
        describe(`STOMP ${version}`, () => {
          const wholeOutcome = decodeChunks([vector.bytes], version, vector.limits);
          const whole = summary(wholeOutcome);

          it(`fails with StompFrameError ${vector.code}`, () => {
            expect(wholeOutcome.thrown).toBeInstanceOf(StompFrameError);
            expect(wholeOutcome.thrown).toBeInstanceOf(StompError);
            const error = wholeOutcome.thrown as StompFrameError;
            expect(error.name).toBe('StompFrameError');
            expect(error.code).toBe(vector.code);
            expect(error.message).toMatch(vector.message);
            expect(error.limit).toBe(vector.limit);
            expect(wholeOutcome.events.filter((e) => e !== 'heartbeat')).toHaveLength(vector.framesBefore ?? 0);
          });

          it('fails the same way when split at every byte offset and fed one byte at a time', () => {
            const expected = fingerprint(wholeOutcome);
            for (let offset = 0; offset <= vector.bytes.length; offset++) {
              const split = decodeChunks(splitAt(vector.bytes, offset), version, vector.limits);
              if (fingerprint(split) !== expected) expect({ offset, ...summary(split) }).toEqual({ offset, ...whole });
            }
            expect(summary(decodeChunks(byteByByte(vector.bytes), version, vector.limits))).toEqual(whole);
          });

          it('stays halted: later pushes throw the same error and deliver nothing', () => {
            const { decoder, frames } = collector(vector.limits, version);
            const first = thrownBy(() => decoder.push(vector.bytes));
            const delivered = frames.length;
            expect(thrownBy(() => decoder.push(GOOD))).toBe(first);
            expect(thrownBy(() => decoder.push(Buffer.alloc(0)))).toBe(first);
            expect(frames).toHaveLength(delivered);
          });

          it('works again after reset()', () => {
            const { decoder, frames } = collector(vector.limits, version);
            thrownBy(() => decoder.push(vector.bytes));
            decoder.reset();
            decoder.push(GOOD);
            expect(frames.at(-1)?.header('receipt-id')).toBe('after-reset');
          });
        });
      }
    });
  }
});

describe('1.0 has no escapes: the bytes 1.1/1.2 refuse are taken raw', () => {
  it.each(RAW_ON_10)('$name', ({ bytes: wire, entries }) => {
    const { events, thrown } = decodeChunks([wire], '1.0');
    expect(thrown).toBeUndefined();
    expect(events).toEqual([{ frame: { command: 'MESSAGE', entries, body: Buffer.alloc(0) } }]);
  });
});

/** Limits hold exactly at the boundary: N is fine, N + 1 is refused, however the bytes arrive. */
describe('limit boundaries', () => {
  function headOf(size: number, eol: '\n' | '\r\n'): Buffer {
    // "SEND" EOL "h:" <x…> EOL EOL, padded with x to exactly `size` bytes of header section.
    const fixed = 4 + eol.length + 2 + eol.length + eol.length;
    return bytes('SEND', eol, 'h:', 'x'.repeat(size - fixed), eol, eol);
  }

  const chunkings: Array<[string, (b: Buffer) => Buffer[]]> = [
    ['one chunk', (b) => [b]],
    ['one byte at a time', byteByByte],
  ];

  describe.each(['\n', '\r\n'] as const)('maxHeaderBytes with EOL %j', (eol) => {
    const max = 64;
    it.each(chunkings)('a header section of exactly maxHeaderBytes is accepted (%s)', (_name, chunk) => {
      const head = headOf(max, eol);
      expect(head.length).toBe(max);
      const outcome = decodeChunks(chunk(bytes(head, 'body\0')), '1.2', { maxHeaderBytes: max });
      expect(outcome.thrown).toBeUndefined();
      expect(outcome.events).toHaveLength(1);
    });

    it('a header section of maxHeaderBytes + 1 is refused at every split', () => {
      const wire = bytes(headOf(max + 1, eol), 'body\0');
      for (let offset = 0; offset <= wire.length; offset++) {
        const { thrown } = decodeChunks(splitAt(wire, offset), '1.2', { maxHeaderBytes: max });
        expect(thrown).toBeInstanceOf(StompFrameError);
        expect({ offset, code: (thrown as StompFrameError).code, limit: (thrown as StompFrameError).limit }).toEqual({ offset, code: StompErrorCode.LimitExceeded, limit: max });
      }
    });

    it('heart-beats before the frame do not count towards the header section', () => {
      const wire = bytes(eol.repeat(100), headOf(max, eol), '\0');
      const outcome = decodeChunks(byteByByte(wire), '1.2', { maxHeaderBytes: max });
      expect(outcome.thrown).toBeUndefined();
      expect(outcome.events.filter((e) => e === 'heartbeat')).toHaveLength(100);
    });
  });

  it('a streaming header section is refused once maxHeaderBytes are held, and never holds more', () => {
    const max = 1024;
    const { decoder } = collector({ maxHeaderBytes: max });
    let fed = 0;
    const error = thrownBy(() => {
      for (const byte of byteByByte(bytes('SEND\nh:', 'x'.repeat(10 * max)))) {
        decoder.push(byte);
        fed += 1;
        // Pending bytes are the decoder's only memory here; they must stay below the limit.
        expect((decoder as unknown as { pending: Buffer | null }).pending?.length ?? 0).toBeLessThan(max);
      }
    });
    expect(error).toBeInstanceOf(StompFrameError);
    expect((error as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
    // The byte that brings the unfinished section to maxHeaderBytes is the one refused.
    expect(fed).toBe(max - 1);
  });

  it('a head starting with CR (no command does) is refused at its second byte, not held and re-joined with every read', () => {
    const cases: Array<[Buffer[], number]> = [
      [[bytes('\rS')], 0],
      [[bytes('\r'), bytes('S')], 0],
      [[bytes('RECEIPT\nreceipt-id:1\n\n\0\r'), bytes('SEND\n')], 1],
    ];
    for (const [chunks, framesBefore] of cases) {
      const { decoder, frames } = collector();
      let fed = 0;
      const error = thrownBy(() => {
        for (const chunk of chunks) {
          decoder.push(chunk);
          fed += 1;
        }
      });
      expect(error).toBeInstanceOf(StompFrameError);
      expect((error as StompFrameError).code).toBe(StompErrorCode.MalformedFrame);
      expect(fed).toBe(chunks.length - 1);
      expect(frames.length).toBe(framesBefore);
    }
  });

  it('one huge chunk with no blank line is refused at once (default limit)', () => {
    const { decoder } = collector();
    const error = thrownBy(() => decoder.push(bytes('MESSAGE\nh:', 'x'.repeat(DEFAULT_MAX_HEADER_BYTES * 4))));
    expect((error as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
    expect((error as StompFrameError).limit).toBe(DEFAULT_MAX_HEADER_BYTES);
  });

  it('exactly maxHeaders headers are accepted, one more is refused', () => {
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `h${i}:${i}\n`).join('');
    expect(decodeChunks([bytes(`SEND\n${lines(5)}\n\0`)], '1.2', { maxHeaders: 5 }).thrown).toBeUndefined();
    const { thrown } = decodeChunks([bytes(`SEND\n${lines(6)}\n\0`)], '1.2', { maxHeaders: 5 });
    expect((thrown as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
    expect((thrown as StompFrameError).limit).toBe(5);
  });

  it('repeated headers count towards maxHeaders', () => {
    const { thrown } = decodeChunks([bytes('SEND\na:1\na:1\na:1\n\n\0')], '1.2', { maxHeaders: 2 });
    expect((thrown as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
  });

  describe.each([
    ['with content-length', (n: number) => bytes(`MESSAGE\ncontent-length:${n}\n\n`, 'x'.repeat(n), '\0')],
    ['without content-length', (n: number) => bytes('MESSAGE\n\n', 'x'.repeat(n), '\0')],
  ])('maxBodyBytes %s', (_name, frameOf) => {
    const max = 100;
    it('a body of exactly maxBodyBytes is accepted at every split', () => {
      const wire = frameOf(max);
      for (let offset = 0; offset <= wire.length; offset += 7) {
        const outcome = decodeChunks(splitAt(wire, offset), '1.2', { maxBodyBytes: max });
        expect(outcome.thrown).toBeUndefined();
        expect(outcome.events).toHaveLength(1);
      }
    });

    it('a body of maxBodyBytes + 1 is refused at every split and one byte at a time', () => {
      const wire = frameOf(max + 1);
      const chunkings = [byteByByte(wire), ...Array.from({ length: wire.length + 1 }, (_, i) => splitAt(wire, i))];
      for (const chunks of chunkings) {
        const { thrown, events } = decodeChunks(chunks, '1.2', { maxBodyBytes: max });
        expect(events).toHaveLength(0);
        expect((thrown as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
        expect((thrown as StompFrameError).limit).toBe(max);
      }
    });
  });

  it('a body without content-length streaming over many chunks is refused once it passes maxBodyBytes', () => {
    const max = 10_000;
    const { decoder } = collector({ maxBodyBytes: max });
    decoder.push(bytes('MESSAGE\n\n'));
    let fed = 0;
    const error = thrownBy(() => {
      for (;;) {
        decoder.push(Buffer.alloc(100, 0x61));
        fed += 100;
        if (fed > 10 * max) throw new Error('never refused');
      }
    });
    expect((error as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
    expect(fed).toBe(max);
  });

  it('a body with content-length over many reads costs its size once: the reads are not kept', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const read = 64 * 1024;
    const reads = 16;
    const { decoder, frames } = collector({});
    decoder.push(bytes(`MESSAGE\ncontent-length:${read * reads}\n\n`));
    // Fresh buffers, as socket reads are; kept until the NUL, they would double what a large body costs.
    // Pushed from a plain function: a suspended async function's frame could hold the last one.
    const push = (i: number): WeakRef<Buffer> => {
      const chunk = Buffer.alloc(read, 0x61 + i);
      decoder.push(chunk);
      return new WeakRef(chunk);
    };
    const pushed = Array.from({ length: reads }, (_, i) => push(i));
    // A WeakRef holds its target until the current job ends.
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
    expect(pushed.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    decoder.push(bytes('\0'));
    expect(frames).toHaveLength(1);
    const body = frames[0].body;
    for (let i = 0; i < reads; i++) expect(body.subarray(i * read, (i + 1) * read).every((byte) => byte === 0x61 + i)).toBe(true);
  });

  it.each([Infinity, 8 * 1024 ** 3])('maxBodyBytes %s: a content-length past the largest Buffer is a limit error, not a RangeError', (maxBodyBytes) => {
    const { thrown } = decodeChunks([bytes('MESSAGE\ncontent-length:5000000000\n\nab')], '1.2', { maxBodyBytes });
    expect(thrown).toBeInstanceOf(StompFrameError);
    expect((thrown as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
    expect((thrown as StompFrameError).limit).toBe(bufferConstants.MAX_LENGTH);
  });

  it('a body without content-length trickled in a byte a read keeps few Buffers (each costs over 100 bytes of heap), and arrives whole and in order', () => {
    const { decoder, frames } = collector({}, '1.0');
    decoder.push(bytes('MESSAGE\ndestination:/q\n\n'));
    const size = 100_000;
    const expected = Buffer.alloc(size);
    for (let i = 0; i < size; i++) {
      expected[i] = 0x61 + (i % 26);
      decoder.push(expected.subarray(i, i + 1));
    }
    // One kept Buffer per byte was over 100 times the body in heap: over 10 MB for these 100 KB.
    expect((decoder as unknown as { bodyChunks: Buffer[] }).bodyChunks.length).toBeLessThan(400);
    decoder.push(bytes('\0'));
    expect(frames).toHaveLength(1);
    expect(frames[0].body.equals(expected)).toBe(true);
  });

  it('a body without content-length in reads of every size around the joining threshold arrives whole', () => {
    for (const read of [1, 3, 1023, 1024, 1025, 5000]) {
      const { decoder, frames } = collector({}, '1.0');
      const body = Buffer.alloc(300 * read + 7, 0x62);
      for (let i = 0; i < body.length; i += 97) body[i] = 0x63 + (i % 20);
      decoder.push(bytes('MESSAGE\n\n'));
      for (let i = 0; i < body.length; i += read) decoder.push(body.subarray(i, i + read));
      decoder.push(bytes('\0'));
      expect(frames[0].body.equals(body)).toBe(true);
    }
  });

  it('maxBodyBytes 0 allows only empty bodies', () => {
    expect(decodeChunks([bytes('SEND\n\n\0SEND\ncontent-length:0\n\n\0')], '1.2', { maxBodyBytes: 0 }).events).toHaveLength(2);
    expect((decodeChunks([bytes('SEND\n\nx\0')], '1.2', { maxBodyBytes: 0 }).thrown as StompFrameError).code).toBe(StompErrorCode.LimitExceeded);
  });
});

describe('decoder halting and reset', () => {
  it('frames before the bad one in the same chunk are delivered, nothing after it', () => {
    const { decoder, frames } = collector();
    thrownBy(() => decoder.push(bytes('RECEIPT\nreceipt-id:1\n\n\0BAD\n\n\0RECEIPT\nreceipt-id:2\n\n\0')));
    expect(frames.map((f) => f.header('receipt-id'))).toEqual(['1']);
  });

  it('reset() drops a partial frame, so the next bytes start a new one', () => {
    const { decoder, frames } = collector();
    decoder.push(bytes('MESSAGE\ncontent-length:10\n\nabc'));
    decoder.reset();
    decoder.push(GOOD);
    expect(frames.map((f) => f.command)).toEqual(['RECEIPT']);
    decoder.push(bytes('MESSAGE\nh:'));
    decoder.reset();
    decoder.push(GOOD);
    expect(frames.map((f) => f.command)).toEqual(['RECEIPT', 'RECEIPT']);
  });

  it('reset() after an error while a body was streaming starts over in the header state', () => {
    const { decoder, frames } = collector({ maxBodyBytes: 4 });
    decoder.push(bytes('MESSAGE\n\nab'));
    thrownBy(() => decoder.push(bytes('cdefgh')));
    decoder.reset();
    decoder.push(GOOD);
    expect(frames.map((f) => f.header('receipt-id'))).toEqual(['after-reset']);
  });

  it('an exception thrown by the sink propagates unchanged', () => {
    const boom = new Error('listener failed');
    const decoder = new FrameDecoder({
      onFrame: () => {
        throw boom;
      },
      onHeartbeat: () => undefined,
    });
    expect(thrownBy(() => decoder.push(GOOD))).toBe(boom);
  });

  it('a StompFrameError thrown by the sink halts the decoder like its own', () => {
    const refusal = new StompFrameError('unexpected frame');
    const decoder = new FrameDecoder({
      onFrame: () => {
        throw refusal;
      },
      onHeartbeat: () => undefined,
    });
    expect(thrownBy(() => decoder.push(GOOD))).toBe(refusal);
    expect(thrownBy(() => decoder.push(GOOD))).toBe(refusal);
  });
});

describe('every outcome of the error vectors is frames or a StompFrameError', () => {
  it('no other exception type escapes', () => {
    const outcomes: Outcome[] = ERROR_VECTORS.flatMap((v) => v.versions.map((version) => decodeChunks(byteByByte(v.bytes), version, v.limits)));
    for (const outcome of outcomes) expect(outcome.thrown).toBeInstanceOf(StompFrameError);
  });
});
