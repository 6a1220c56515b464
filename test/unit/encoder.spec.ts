import { INLINE_BODY_MAX, encodeFrame, type EncodeOptions } from '../../lib/engine/encoder';
import { Frame, type HeaderEntry } from '../../lib/engine/frame';
import { STOMP_VERSIONS } from '../../lib/engine/versions';
import { decodeChunks } from '../vectors/bytes';

function wire(frame: Frame, options?: EncodeOptions): string {
  return Buffer.concat(encodeFrame(frame, '1.2', options)).toString('latin1');
}

describe('encodeFrame content-length', () => {
  const TABLE: Array<{ name: string; entries: HeaderEntry[]; body: Buffer | string; options?: EncodeOptions; expected: string }> = [
    { name: 'added for a non-empty body by default', entries: [['destination', '/q']], body: 'hello', expected: 'SEND\ndestination:/q\ncontent-length:5\n\nhello\0' },
    { name: 'not added for an empty body', entries: [['destination', '/q']], body: '', expected: 'SEND\ndestination:/q\n\n\0' },
    {
      name: 'not added with autoContentLength:false',
      entries: [['destination', '/q']],
      body: 'hello',
      options: { autoContentLength: false },
      expected: 'SEND\ndestination:/q\n\nhello\0',
    },
    {
      name: 'always added when the body contains NUL, even with autoContentLength:false',
      entries: [['destination', '/q']],
      body: Buffer.from('a\0b'),
      options: { autoContentLength: false },
      expected: 'SEND\ndestination:/q\ncontent-length:3\n\na\0b\0',
    },
    {
      name: 'kept with autoContentLength:false when the frame carried one',
      entries: [['content-length', '5'], ['destination', '/q']],
      body: 'hello',
      options: { autoContentLength: false },
      expected: 'SEND\ndestination:/q\ncontent-length:5\n\nhello\0',
    },
    {
      name: "not added to a text body with autoContentLength:'binary' (a JMS TextMessage)",
      entries: [['destination', '/q']],
      body: 'héllo',
      options: { autoContentLength: 'binary' },
      expected: `SEND\ndestination:/q\n\n${Buffer.from('héllo').toString('latin1')}\0`,
    },
    {
      name: "not added to a text body past the inline size with autoContentLength:'binary'",
      entries: [['destination', '/q']],
      body: 'x'.repeat(INLINE_BODY_MAX + 1),
      options: { autoContentLength: 'binary' },
      expected: `SEND\ndestination:/q\n\n${'x'.repeat(INLINE_BODY_MAX + 1)}\0`,
    },
    {
      name: "added to a body given as bytes with autoContentLength:'binary' (a JMS BytesMessage)",
      entries: [['destination', '/q']],
      body: Buffer.from([1, 2, 0xff]),
      options: { autoContentLength: 'binary' },
      expected: 'SEND\ndestination:/q\ncontent-length:3\n\n\x01\x02\xff\0',
    },
    {
      name: "added to a text body containing NUL with autoContentLength:'binary'",
      entries: [['destination', '/q']],
      body: 'a\0b',
      options: { autoContentLength: 'binary' },
      expected: 'SEND\ndestination:/q\ncontent-length:3\n\na\0b\0',
    },
    {
      name: 'a wrong given content-length is replaced by the true one',
      entries: [['destination', '/q'], ['content-length', '999']],
      body: 'hello',
      expected: 'SEND\ndestination:/q\ncontent-length:5\n\nhello\0',
    },
    {
      name: 'a wrong given content-length is replaced even with autoContentLength:false',
      entries: [['content-length', '1'], ['destination', '/q']],
      body: 'hello',
      options: { autoContentLength: false },
      expected: 'SEND\ndestination:/q\ncontent-length:5\n\nhello\0',
    },
    {
      name: 'repeated given content-lengths all give way to one true one',
      entries: [['content-length', '1'], ['content-length', '2'], ['x', 'y']],
      body: 'hello',
      expected: 'SEND\nx:y\ncontent-length:5\n\nhello\0',
    },
    {
      name: 'a given content-length on an empty body is dropped',
      entries: [['content-length', '12']],
      body: '',
      expected: 'SEND\n\n\0',
    },
    {
      name: 'counts bytes, not characters, for a UTF-8 body',
      entries: [],
      body: 'é😀',
      expected: `SEND\ncontent-length:6\n\n${Buffer.from('é😀').toString('latin1')}\0`,
    },
  ];

  it.each(TABLE)('$name', ({ entries, body, options, expected }) => {
    expect(wire(new Frame('SEND', entries, body), options)).toBe(expected);
  });

  it.each(TABLE)('$name: decodes back to the same body', ({ entries, body, options }) => {
    const frame = new Frame('SEND', entries, body);
    const { events, thrown } = decodeChunks(encodeFrame(frame, '1.2', options), '1.2');
    expect(thrown).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0] !== 'heartbeat' && events[0].frame.body.equals(frame.body)).toBe(true);
  });
});

describe('encodeFrame buffers', () => {
  it.each([0, 1, 100, INLINE_BODY_MAX - 1, INLINE_BODY_MAX])('a body of %i bytes comes back inline in one buffer', (size) => {
    const frame = new Frame('SEND', [['destination', '/q']], Buffer.alloc(size, 0x61));
    const out = encodeFrame(frame, '1.2');
    expect(out).toHaveLength(1);
    expect(out[0].subarray(out[0].length - size - 1, out[0].length - 1).equals(frame.body)).toBe(true);
    expect(out[0][out[0].length - 1]).toBe(0);
  });

  it.each([INLINE_BODY_MAX + 1, 16 * 1024, 1024 * 1024])('a body of %i bytes comes back as [head, body, NUL] without copying the body', (size) => {
    const body = Buffer.alloc(size, 0x62);
    const frame = new Frame('SEND', [['destination', '/queue/ü']], body);
    const out = encodeFrame(frame, '1.2');
    expect(out).toHaveLength(3);
    expect(out[1]).toBe(body);
    expect(out[0].toString('utf8')).toBe(`SEND\ndestination:/queue/ü\ncontent-length:${size}\n\n`);
    expect([...out[2]]).toEqual([0]);
    const { events } = decodeChunks(out, '1.2');
    expect(events).toHaveLength(1);
  });

  it('a large Uint8Array view is passed through without a copy of its bytes', () => {
    const backing = new Uint8Array(40_000).fill(7);
    const view = backing.subarray(100, 30_100);
    const out = encodeFrame(new Frame('SEND', [], view), '1.1');
    expect(out[1].buffer).toBe(backing.buffer);
    expect(out[1].byteOffset).toBe(100);
    expect(out[1].length).toBe(30_000);
  });

  it('multi-byte header text is measured in bytes, so the inline body lands right after the head', () => {
    const frame = new Frame('SEND', [['destination', '/queue/日本語😀']], 'payload');
    const { events } = decodeChunks(encodeFrame(frame, '1.2'), '1.2');
    expect(events).toEqual([
      {
        frame: {
          command: 'SEND',
          entries: [['destination', '/queue/日本語😀'], ['content-length', '7']],
          body: Buffer.from('payload'),
        },
      },
    ]);
  });

  it.each(STOMP_VERSIONS)('every command encodes and decodes on %s', (version) => {
    for (const command of ['CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT', 'CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR']) {
      const { events } = decodeChunks(encodeFrame(new Frame(command, { id: '1' }), version), version);
      expect(events).toEqual([{ frame: { command, entries: [['id', '1']], body: Buffer.alloc(0) } }]);
    }
  });
});

describe('encodeFrame header text of every length', () => {
  // Short names and values are checked by a loop, long ones by a native scan: both must escape alike.
  const SPECIALS = [':', '\\', '\n', '\r', 'é', '日', '😀'];
  const cases: Array<[string, string]> = [];
  for (const length of [1, 2, 8, 23, 24, 25, 45, 100]) {
    cases.push([`plain ${length}`, 'a'.repeat(length)]);
    for (const special of SPECIALS) {
      for (const at of new Set([0, Math.floor(length / 2), length - 1])) {
        cases.push([`${JSON.stringify(special)} at ${at} of ${length}`, 'a'.repeat(at) + special + 'a'.repeat(Math.max(0, length - at - 1))]);
      }
    }
  }

  it.each(STOMP_VERSIONS.filter((version) => version !== '1.0'))('on %s, ACK ids and SEND values come back as given', (version) => {
    // 1.1 has no escape for CR (the refusal has tests of its own)
    for (const [, text] of cases.filter(([, text]) => version === '1.2' || !text.includes('\r'))) {
      for (const frame of [new Frame('ACK', [['id', text]]), new Frame('SEND', [['destination', '/q'], ['x-value', text], [text.replace(/[\r\n]/g, 'n'), 'v']])]) {
        const { events } = decodeChunks(encodeFrame(frame, version), version);
        expect(events).toEqual([{ frame: { command: frame.command, entries: frame.entries, body: Buffer.alloc(0) } }]);
      }
    }
  });

  it('escapes a colon in a long ack id as a short one', () => {
    const id = `ID:vm-37859-1795731328591-4:${'1'.repeat(30)}`;
    expect(wire(new Frame('ACK', [['id', id]]))).toBe(`ACK\nid:${id.replace(/:/g, '\\c')}\n\n\0`);
  });

  it.each([3, 40])('refuses a NUL in a value of %i characters', (length) => {
    expect(() => encodeFrame(new Frame('ACK', [['id', 'a'.repeat(length - 1) + '\0']]), '1.2')).toThrow(/NUL|unencodable|cannot/i);
  });
});

describe('encodeFrame after a refused frame', () => {
  it.each(['\0', '\r'])('a header named anew and refused for its value (%j) leaves no stale line for the next frame', (refused) => {
    // 1.1 refuses CR, both refuse NUL; the refused value must not leave the earlier header's line standing in for the new name.
    const version = refused === '\r' ? '1.1' : '1.2';
    const text = (entries: HeaderEntry[]): string => Buffer.concat(encodeFrame(new Frame('SEND', entries), version)).toString('latin1');
    expect(text([['destination', '/queue/a'], ['persistent', 'true']])).toBe('SEND\ndestination:/queue/a\npersistent:true\n\n\0');
    expect(() => text([['destination', '/queue/a'], ['x-flag', `bad${refused}`]])).toThrow(/cannot carry/);
    expect(text([['destination', '/queue/a'], ['x-flag', 'true']])).toBe('SEND\ndestination:/queue/a\nx-flag:true\n\n\0');
  });
});

describe('encodeFrame for ActiveMQ Classic (textAsModifiedUtf8)', () => {
  const options: EncodeOptions = { autoContentLength: 'binary', textAsModifiedUtf8: true };

  it("writes a text body past U+FFFF without content-length as Java's modified UTF-8, which JMS getText() reads", () => {
    expect(wire(new Frame('SEND', [['destination', '/q']], 'é🍣'), options)).toBe(`SEND\ndestination:/q\n\n${Buffer.from('c3a9eda0bcedbda3', 'hex').toString('latin1')}\0`);
  });

  it('leaves other bodies as they are: BMP text, bytes, text with a content-length', () => {
    expect(wire(new Frame('SEND', [], 'é水'), options)).toBe(`SEND\n\n${Buffer.from('é水').toString('latin1')}\0`);
    expect(wire(new Frame('SEND', [], Buffer.from('🍣')), options)).toBe(`SEND\ncontent-length:4\n\n${Buffer.from('🍣').toString('latin1')}\0`);
    expect(wire(new Frame('SEND', [], '🍣'), { ...options, autoContentLength: true })).toBe(`SEND\ncontent-length:4\n\n${Buffer.from('🍣').toString('latin1')}\0`);
  });
});
