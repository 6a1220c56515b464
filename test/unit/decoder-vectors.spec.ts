import { FrameDecoder } from '../../lib/engine/decoder';
import { encodeFrame } from '../../lib/engine/encoder';
import { Frame } from '../../lib/engine/frame';
import type { StompVersion } from '../../lib/engine/versions';
import { byteByByte, bytes, decodeChunks, fingerprint, plain, splitAt, summary, type DecodeEvent, type PlainFrame } from '../vectors/bytes';
import { FRAME_VECTORS, vectorsFor } from '../vectors/frames';

function framesOf(events: DecodeEvent[]): PlainFrame[] {
  return events.flatMap((e) => (e === 'heartbeat' ? [] : [e.frame]));
}

function heartbeatsOf(events: DecodeEvent[]): number {
  return events.filter((e) => e === 'heartbeat').length;
}

function encoded(frame: PlainFrame, version: StompVersion): Buffer {
  return Buffer.concat(encodeFrame(new Frame(frame.command, frame.entries, frame.body), version));
}

/**
 * What must survive encode → decode: everything but content-length, which the encoder owns
 * (it drops any given one and appends the true length for a non-empty body).
 */
function withoutContentLength(frame: PlainFrame): PlainFrame {
  return { ...frame, entries: frame.entries.filter(([k]) => k !== 'content-length') };
}

describe('decoder on valid vectors', () => {
  for (const vector of FRAME_VECTORS) {
    describe(vector.name, () => {
      for (const version of vector.versions) {
        describe(`STOMP ${version}`, () => {
          const wholeOutcome = decodeChunks([vector.bytes], version);
          const whole = summary(wholeOutcome);
          const wholeFingerprint = fingerprint(wholeOutcome);

          it('decodes in one chunk to the expected frames and heart-beats', () => {
            expect(whole.error).toBeUndefined();
            expect(framesOf(whole.events)).toEqual(vector.frames);
            expect(heartbeatsOf(whole.events)).toBe(vector.heartbeats ?? 0);
          });

          it('decodes identically when split at every byte offset', () => {
            for (let offset = 0; offset <= vector.bytes.length; offset++) {
              const split = decodeChunks(splitAt(vector.bytes, offset), version);
              if (fingerprint(split) !== wholeFingerprint) {
                // toEqual only on mismatch: hundreds of deep compares per vector would slow the suite.
                expect({ offset, ...summary(split) }).toEqual({ offset, ...whole });
              }
            }
          });

          it('decodes identically when fed one byte at a time', () => {
            expect(summary(decodeChunks(byteByByte(vector.bytes), version))).toEqual(whole);
          });

          if (vector.canonical) {
            it('encodes back to exactly the same bytes', () => {
              expect(vector.frames).toHaveLength(1);
              expect(encoded(vector.frames[0], version).toString('latin1')).toBe(vector.bytes.toString('latin1'));
            });
          }

          it('round-trips through the encoder: decode(encode(frame)) keeps every header and the body', () => {
            for (const frame of vector.frames) {
              const wire = encoded(frame, version);
              const again = summary(decodeChunks([wire], version));
              expect(again.error).toBeUndefined();
              const [decoded] = framesOf(again.events);
              expect(framesOf(again.events)).toHaveLength(1);
              expect(withoutContentLength(decoded)).toEqual(withoutContentLength(frame));
              const lengths = decoded.entries.filter(([k]) => k === 'content-length');
              expect(lengths).toEqual(frame.body.length > 0 ? [['content-length', String(frame.body.length)]] : []);
              // Encoding is stable: a decoded frame encodes to the very same bytes.
              expect(encoded(decoded, version).equals(wire)).toBe(true);
            }
          });
        });
      }
    });
  }
});

describe('decoder on streams of many frames', () => {
  const versions: StompVersion[] = ['1.0', '1.1', '1.2'];

  it.each(versions)('all vectors of %s back to back decode as each alone, in one chunk and one byte at a time', (version) => {
    const vectors = vectorsFor(version);
    const stream = Buffer.concat(vectors.map((v) => v.bytes));
    const expected = vectors.flatMap((v) => decodeChunks([v.bytes], version).events);
    expect(decodeChunks([stream], version)).toEqual({ events: expected });
    expect(decodeChunks(byteByByte(stream), version)).toEqual({ events: expected });
  });

  it('20,000 frames in one Buffer, and the same stream in 64 KiB socket-sized chunks', () => {
    const vectors = vectorsFor('1.2');
    const parts: Buffer[] = [];
    const expected: DecodeEvent[] = [];
    let count = 0;
    for (let i = 0; count < 20_000; i++) {
      const v = vectors[i % vectors.length];
      parts.push(v.bytes);
      count += v.frames.length;
      for (const frame of v.frames) expected.push({ frame });
      for (let h = 0; h < (v.heartbeats ?? 0); h++) expected.push('heartbeat');
    }
    const stream = Buffer.concat(parts);
    const oneChunk = decodeChunks([stream], '1.2');
    expect(oneChunk.thrown).toBeUndefined();
    expect(count).toBeGreaterThanOrEqual(20_000);
    // Fingerprints, not toEqual: a deep compare of 20,000 frames alone would take seconds.
    expect(fingerprint({ events: framesOf(oneChunk.events).map((frame) => ({ frame })) })).toBe(fingerprint({ events: framesOf(expected).map((frame) => ({ frame })) }));
    expect(heartbeatsOf(oneChunk.events)).toBe(heartbeatsOf(expected));
    const socketChunks: Buffer[] = [];
    for (let pos = 0; pos < stream.length; pos += 65536) socketChunks.push(stream.subarray(pos, pos + 65536));
    expect(fingerprint(decodeChunks(socketChunks, '1.2'))).toBe(fingerprint(oneChunk));
  });

  it('20,000 identical MESSAGE frames with content-length in one Buffer', () => {
    const one = bytes('MESSAGE\nsubscription:0\nmessage-id:1\ndestination:/queue/a\ncontent-length:5\n\nhello\0\n');
    const stream = Buffer.concat(Array.from({ length: 20_000 }, () => one));
    let frames = 0;
    let heartbeats = 0;
    let lastBody = '';
    const decoder = new FrameDecoder({ onFrame: (f) => ((frames += 1), (lastBody = f.text())), onHeartbeat: () => (heartbeats += 1) });
    decoder.push(stream);
    expect([frames, heartbeats, lastBody]).toEqual([20_000, 20_000, 'hello']);
  });
});

describe('decoder details', () => {
  it('repeated header: header() gives the first value, headers gives the first, entries keep all in order', () => {
    const { events } = decodeChunks([bytes('MESSAGE\nfoo:World\nbar:1\nfoo:Hello\nfoo:Again\n\n\0')], '1.2');
    expect(events).toHaveLength(1);
    const frame = new Frame('MESSAGE', framesOf(events)[0].entries);
    expect(frame.header('foo')).toBe('World');
    expect(frame.headers.foo).toBe('World');
    expect(frame.entries).toEqual([['foo', 'World'], ['bar', '1'], ['foo', 'Hello'], ['foo', 'Again']]);
  });

  it('the Frame handed to the sink itself answers header() with the first value', () => {
    const seen: Frame[] = [];
    new FrameDecoder({ onFrame: (f) => seen.push(f), onHeartbeat: () => undefined }).push(bytes('MESSAGE\nfoo:World\nfoo:Hello\n\n\0'));
    expect(seen[0]).toBeInstanceOf(Frame);
    expect(seen[0].header('foo')).toBe('World');
    expect(seen[0].header('missing')).toBeUndefined();
  });

  it('an empty chunk changes nothing, whatever the state', () => {
    const stream = bytes('MESSAGE\ncontent-length:3\n\nabc\0SEND\n\nxyz\0');
    const chunks = [Buffer.alloc(0), stream.subarray(0, 5), Buffer.alloc(0), stream.subarray(5, 30), Buffer.alloc(0), stream.subarray(30), Buffer.alloc(0)];
    expect(decodeChunks(chunks, '1.2')).toEqual(decodeChunks([stream], '1.2'));
  });

  it('setVersion from inside onFrame (on CONNECTED) applies to the next frame of the same chunk', () => {
    const values: string[] = [];
    const decoder: FrameDecoder = new FrameDecoder({
      onFrame: (f) => {
        if (f.command === 'CONNECTED') decoder.setVersion(f.header('version') as StompVersion);
        else values.push(f.header('foo')!);
      },
      onHeartbeat: () => undefined,
    });
    decoder.push(bytes('MESSAGE\nfoo:a\\cb\n\n\0CONNECTED\nversion:1.2\n\n\0MESSAGE\nfoo:a\\cb\n\n\0'));
    expect(values).toEqual(['a\\cb', 'a:b']);
  });

  it('starts as 1.0: no unescaping until setVersion', () => {
    expect(framesOf(decodeChunks([bytes('ERROR\nmessage:a\\cb\\x\n\n\0')], '1.0').events)[0].entries).toEqual([['message', 'a\\cb\\x']]);
    const seen: string[] = [];
    new FrameDecoder({ onFrame: (f) => seen.push(f.header('message')!), onHeartbeat: () => undefined }).push(bytes('ERROR\nmessage:a\\cb\n\n\0'));
    expect(seen).toEqual(['a\\cb']);
  });

  it('a frame body does not change when the decoder goes on to later chunks', () => {
    const bodies: Buffer[] = [];
    const decoder = new FrameDecoder({ onFrame: (f) => bodies.push(f.body), onHeartbeat: () => undefined });
    const stream = bytes('MESSAGE\ncontent-length:3\n\nabc\0MESSAGE\ncontent-length:3\n\ndef\0');
    for (const chunk of byteByByte(stream)) decoder.push(chunk);
    decoder.push(bytes('MESSAGE\n\nghi\0'));
    expect(bodies.map((b) => b.toString())).toEqual(['abc', 'def', 'ghi']);
  });

  it('a large content-length body spread over many chunks arrives whole', () => {
    const body = Buffer.alloc(1024 * 1024, 7);
    body[12345] = 0;
    const stream = bytes(`MESSAGE\ncontent-length:${body.length}\n\n`, body, '\0');
    const chunks: Buffer[] = [];
    for (let pos = 0; pos < stream.length; pos += 1000) chunks.push(stream.subarray(pos, pos + 1000));
    const { events, thrown } = decodeChunks(chunks, '1.2');
    expect(thrown).toBeUndefined();
    expect(framesOf(events)[0].body.equals(body)).toBe(true);
  });

  it('frames of every size in a row decode whole, however long their header sections', () => {
    // A large body shrinks the text window read for the next head; a long head must still be read.
    const frame = (bodyBytes: number, headerBytes: number): Buffer =>
      bytes(`MESSAGE\ndestination:/queue/a\nx-long:${'h'.repeat(headerBytes)}\ncontent-length:${bodyBytes}\n\n`, Buffer.alloc(bodyBytes, 'b'), '\0\n');
    const shapes: Array<[number, number]> = [[100, 10], [10_240, 10], [10_240, 3000], [100, 5000], [10_240, 900], [10_240, 1100], [5000, 10], [100, 10]];
    const stream = Buffer.concat(shapes.map(([body, header]) => frame(body, header)));
    for (const size of [stream.length, 65_536, 4096, 1000, 333]) {
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < stream.length; pos += size) chunks.push(stream.subarray(pos, pos + size));
      const { events, thrown } = decodeChunks(chunks, '1.2');
      expect(thrown).toBeUndefined();
      const frames = framesOf(events);
      expect(frames.map((f) => [f.body.length, f.entries[1][1].length])).toEqual(shapes);
    }
  });

  it('plain() helper keeps the wire order of entries', () => {
    expect(plain(new Frame('SEND', { b: '2', a: '1' })).entries).toEqual([['b', '2'], ['a', '1']]);
  });
});
