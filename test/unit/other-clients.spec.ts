/**
 * Known bugs of other STOMP clients, each pinned so that this one never grows them.
 */
import { FrameDecoder } from '../../lib/engine/decoder';
import { encodeFrame, encodeHead } from '../../lib/engine/encoder';
import { StompFrameError } from '../../lib/engine/errors';
import { Frame } from '../../lib/engine/frame';
import type { StompVersion } from '../../lib/engine/versions';
import { byteByByte, bytes, decodeChunks, splitAt } from '../vectors/bytes';

const ESCAPING: StompVersion[] = ['1.1', '1.2'];

function headerOf(wire: Buffer, version: StompVersion, name: string): string | undefined {
  const { events, thrown } = decodeChunks([wire], version);
  if (thrown !== undefined) throw thrown;
  for (const e of events) if (e !== 'heartbeat') return new Frame(e.frame.command, e.frame.entries).header(name);
  return undefined;
}

describe('stomp.py: header names are sent unescaped', () => {
  it.each(ESCAPING)('on %s a name with ":", LF or backslash is escaped like a value', (version) => {
    expect(encodeHead('SEND', [['a:b', '1'], ['c\nd', '2'], ['e\\f', '3']], version, -1)).toBe('SEND\na\\cb:1\nc\\nd:2\ne\\\\f:3\n\n');
  });

  it.each(ESCAPING)('on %s such a name survives the round trip', (version) => {
    const wire = Buffer.concat(encodeFrame(new Frame('SEND', [['a:b\\c\nd', 'v']]), version));
    expect(headerOf(wire, version, 'a:b\\c\nd')).toBe('v');
  });
});

describe('stomp.py: undefined escape sequences are let through', () => {
  it.each(ESCAPING.flatMap((v) => ['\\t', '\\a', '\\0', '\\ ', '\\'].map((seq): [StompVersion, string] => [v, seq])))('on %s, %j in a value is a StompFrameError', (version, seq) => {
    expect(() => headerOf(bytes(`MESSAGE\nfoo:x${seq}\n\n\0`), version, 'foo')).toThrow(StompFrameError);
  });

  it('\\r is undefined on 1.1, defined on 1.2', () => {
    expect(() => headerOf(bytes('MESSAGE\nfoo:x\\r\n\n\0'), '1.1', 'foo')).toThrow(StompFrameError);
    expect(headerOf(bytes('MESSAGE\nfoo:x\\r\n\n\0'), '1.2', 'foo')).toBe('x\r');
  });
});

describe('stomp.py: CRLF heart-beats are missed', () => {
  it.each<[string, Buffer, number]>([
    ['one CRLF', bytes('\r\n'), 1],
    ['two CRLFs', bytes('\r\n\r\n'), 2],
    ['CRLF then LF then CRLF', bytes('\r\n\n\r\n'), 3],
    ['CRLFs around frames', bytes('\r\nRECEIPT\nreceipt-id:1\n\n\0\r\n\r\nRECEIPT\nreceipt-id:2\n\n\0\r\n'), 4],
  ])('%s: every EOL counts, however the bytes are split', (_name, wire, heartbeats) => {
    const chunkings = [[wire], byteByByte(wire), ...Array.from({ length: wire.length + 1 }, (_, i) => splitAt(wire, i))];
    for (const chunks of chunkings) {
      const { events, thrown } = decodeChunks(chunks, '1.2');
      expect(thrown).toBeUndefined();
      expect(events.filter((e) => e === 'heartbeat')).toHaveLength(heartbeats);
    }
  });

  it('a CR at the end of a chunk waits for its LF instead of being taken for the start of a frame', () => {
    let heartbeats = 0;
    const decoder = new FrameDecoder({ onFrame: () => undefined, onHeartbeat: () => (heartbeats += 1) });
    decoder.push(bytes('\r'));
    expect(heartbeats).toBe(0);
    decoder.push(bytes('\n'));
    expect(heartbeats).toBe(1);
  });
});

describe('@stomp/stompjs: header values are trimmed', () => {
  it.each(['1.0', '1.1', '1.2'] as StompVersion[])('on %s leading and trailing spaces and tabs are kept, in decoding and encoding', (version) => {
    const wire = bytes('MESSAGE\nfoo:  spaced\t \n\n\0');
    expect(headerOf(wire, version, 'foo')).toBe('  spaced\t ');
    expect(encodeHead('SEND', [['foo', ' x ']], version, -1)).toBe('SEND\nfoo: x \n\n');
    expect(headerOf(Buffer.concat(encodeFrame(new Frame('MESSAGE', [['foo', ' x ']]), version)), version, 'foo')).toBe(' x ');
  });

  it('a value of only spaces is not made empty', () => {
    expect(headerOf(bytes('MESSAGE\nfoo:   \n\n\0'), '1.2', 'foo')).toBe('   ');
  });
});

describe('@stomp/stompjs: backslash backslash n is decoded as a newline', () => {
  it.each<[string, string]>([
    ['a\\\\nb', 'a\\nb'],
    ['\\\\n', '\\n'],
    ['\\\\\\n', '\\\n'],
    ['\\\\\\\\n', '\\\\n'],
    ['\\\\c', '\\c'],
    ['\\\\r', '\\r'],
    ['\\\\\\\\', '\\\\'],
  ])('%j on the wire is %j', (wireValue, value) => {
    for (const version of ESCAPING) expect(headerOf(bytes(`MESSAGE\nfoo:${wireValue}\n\n\0`), version, 'foo')).toBe(value);
  });

  it('and the encoder writes a backslash followed by n so that it reads back the same', () => {
    expect(encodeHead('SEND', [['foo', '\\n']], '1.2', -1)).toBe('SEND\nfoo:\\\\n\n\n');
  });
});
