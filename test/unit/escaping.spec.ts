import { StompErrorCode, StompFrameError } from '../../lib/engine/errors';
import { encodeFrame, encodeHead } from '../../lib/engine/encoder';
import { Frame } from '../../lib/engine/frame';
import { acceptedVersions, headerCodec, STOMP_VERSIONS, type StompVersion } from '../../lib/engine/versions';
import { bytes, decodeChunks } from '../vectors/bytes';

const REFUSED = Symbol('refused');
type Expected = string | typeof REFUSED;

function attempt(fn: () => string): Expected {
  try {
    return fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StompFrameError);
    expect((error as StompFrameError).code).toBe(StompErrorCode.Unencodable);
    return REFUSED;
  }
}

/** Commands whose headers other commands' escaping rules never touch. */
const RAW_COMMANDS = ['CONNECT', 'STOMP', 'CONNECTED'];
const ESCAPED_COMMANDS = ['SEND', 'SUBSCRIBE', 'MESSAGE', 'ERROR', 'RECEIPT', 'ACK'];

// [input, 1.0 / raw commands, 1.1, 1.2]
const VALUE_TABLE: Array<[string, Expected, Expected, Expected]> = [
  ['plain', 'plain', 'plain', 'plain'],
  ['', '', '', ''],
  ['a:b', 'a:b', 'a\\cb', 'a\\cb'],
  ['a\nb', REFUSED, 'a\\nb', 'a\\nb'],
  ['a\\b', 'a\\b', 'a\\\\b', 'a\\\\b'],
  ['a\rb', REFUSED, REFUSED, 'a\\rb'],
  ['trailing\r', REFUSED, REFUSED, 'trailing\\r'],
  ['a\0b', REFUSED, REFUSED, REFUSED],
  ['\\n', '\\n', '\\\\n', '\\\\n'],
  [':\n\\\r:', REFUSED, REFUSED, '\\c\\n\\\\\\r\\c'],
  [':\n\\:', REFUSED, '\\c\\n\\\\\\c', '\\c\\n\\\\\\c'],
  [' spaced ', ' spaced ', ' spaced ', ' spaced '],
  ['\t', '\t', '\t', '\t'],
  ['ünï 😀', 'ünï 😀', 'ünï 😀', 'ünï 😀'],
];

// Names follow the same rules, plus: empty is refused everywhere, and ':' cannot be sent raw.
const NAME_TABLE: Array<[string, Expected, Expected, Expected]> = [
  ['plain', 'plain', 'plain', 'plain'],
  ['', REFUSED, REFUSED, REFUSED],
  ['a:b', REFUSED, 'a\\cb', 'a\\cb'],
  [':', REFUSED, '\\c', '\\c'],
  ['a\nb', REFUSED, 'a\\nb', 'a\\nb'],
  ['a\\b', 'a\\b', 'a\\\\b', 'a\\\\b'],
  ['a\rb', REFUSED, REFUSED, 'a\\rb'],
  ['a\0b', REFUSED, REFUSED, REFUSED],
];

function column(version: StompVersion, row: [string, Expected, Expected, Expected]): Expected {
  return version === '1.0' ? row[1] : version === '1.1' ? row[2] : row[3];
}

describe('headerCodec escaping', () => {
  describe.each(STOMP_VERSIONS)('STOMP %s', (version) => {
    describe.each(ESCAPED_COMMANDS)('%s', (command) => {
      it.each(VALUE_TABLE)('value %j', (...row) => {
        expect(attempt(() => headerCodec(version, command).escapeValue(row[0], 'h'))).toBe(column(version, row));
      });
      it.each(NAME_TABLE)('name %j', (...row) => {
        expect(attempt(() => headerCodec(version, command).escapeName(row[0]))).toBe(column(version, row));
      });
    });

    describe.each(RAW_COMMANDS)('%s uses the raw rules', (command) => {
      it.each(VALUE_TABLE)('value %j', (...row) => {
        expect(attempt(() => headerCodec(version, command).escapeValue(row[0], 'h'))).toBe(row[1]);
      });
      it.each(NAME_TABLE)('name %j', (...row) => {
        expect(attempt(() => headerCodec(version, command).escapeName(row[0]))).toBe(row[1]);
      });
    });
  });

  it('the refusal names the header, so the application can find it', () => {
    expect(() => headerCodec('1.0', 'SEND').escapeValue('a\nb', 'my-header')).toThrow(/my-header/);
    expect(() => headerCodec('1.1', 'SEND').escapeName('bad\0name')).toThrow(/bad\\u0000name/);
  });
});

describe('headerCodec unescaping', () => {
  // [wire text, 1.0 / raw commands, 1.1, 1.2]; REFUSED means a StompFrameError.
  const TABLE: Array<[string, Expected, Expected, Expected]> = [
    ['plain', 'plain', 'plain', 'plain'],
    ['a\\cb', 'a\\cb', 'a:b', 'a:b'],
    ['a\\nb', 'a\\nb', 'a\nb', 'a\nb'],
    ['a\\\\b', 'a\\\\b', 'a\\b', 'a\\b'],
    ['a\\rb', 'a\\rb', REFUSED, 'a\rb'],
    ['a\\tb', 'a\\tb', REFUSED, REFUSED],
    ['a\\', 'a\\', REFUSED, REFUSED],
    ['\\', '\\', REFUSED, REFUSED],
    ['a\\:b', 'a\\:b', REFUSED, REFUSED],
    ['a\\C', 'a\\C', REFUSED, REFUSED],
    ['a\\N', 'a\\N', REFUSED, REFUSED],
    ['a\\\nb', 'a\\\nb', REFUSED, REFUSED],
    ['\\\\n', '\\\\n', '\\n', '\\n'],
    ['\\\\\\n', '\\\\\\n', '\\\n', '\\\n'],
    ['\\\\\\\\', '\\\\\\\\', '\\\\', '\\\\'],
    ['\\c\\c', '\\c\\c', '::', '::'],
    ['\\😀', '\\😀', REFUSED, REFUSED],
  ];

  function unescaped(version: StompVersion, command: string, text: string): Expected {
    try {
      return headerCodec(version, command).unescape(text);
    } catch (error) {
      expect(error).toBeInstanceOf(StompFrameError);
      expect((error as StompFrameError).code).toBe(StompErrorCode.MalformedFrame);
      expect((error as StompFrameError).message).toMatch(/undefined escape/);
      return REFUSED;
    }
  }

  describe.each(STOMP_VERSIONS)('STOMP %s', (version) => {
    it.each(TABLE)('MESSAGE %j', (...row) => {
      expect(unescaped(version, 'MESSAGE', row[0])).toBe(column(version, row));
    });
    it.each(TABLE)('CONNECTED %j is raw', (...row) => {
      expect(unescaped(version, 'CONNECTED', row[0])).toBe(row[1]);
    });
  });
});

describe('escaping round trips', () => {
  const NASTY = [':', '\n', '\\', '\r', '\\n', '\\c', 'a:b:c', '\r\n', '\n\r', '\\\\', ':\\:', 'x\\', '\\x', ' : ', '😀:\n'];

  it.each(NASTY)('1.2 round-trips value and name %j through a whole frame', (text) => {
    const frame = new Frame('MESSAGE', [[`n${text}`, text], ['plain', text]], 'body');
    const wire = Buffer.concat(encodeFrame(frame, '1.2'));
    const { events, thrown } = decodeChunks([wire], '1.2');
    expect(thrown).toBeUndefined();
    expect(events).toEqual([
      {
        frame: {
          command: 'MESSAGE',
          entries: [[`n${text}`, text], ['plain', text], ['content-length', '4']],
          body: Buffer.from('body'),
        },
      },
    ]);
  });

  it.each(NASTY.filter((t) => !t.includes('\r')))('1.1 round-trips %j', (text) => {
    const wire = Buffer.concat(encodeFrame(new Frame('SEND', [[text, text]]), '1.1'));
    expect(decodeChunks([wire], '1.1').events).toEqual([{ frame: { command: 'SEND', entries: [[text, text]], body: Buffer.alloc(0) } }]);
  });

  it.each(STOMP_VERSIONS)('codec escape then unescape is the identity on %s whenever escaping succeeds', (version) => {
    const alphabet = ['a', ':', '\n', '\r', '\\', 'c', 'n', 'r', '\0', 'é'];
    const codec = headerCodec(version, 'SEND');
    let checked = 0;
    // Every string of length ≤ 3 over the alphabet: 1,111 strings, each tricky pair and triple.
    const strings = [''];
    for (let len = 1; len <= 3; len++) for (const s of strings.filter((x) => x.length === len - 1)) for (const c of alphabet) strings.push(s + c);
    for (const text of strings) {
      let wire: string;
      try {
        wire = codec.escapeValue(text, 'h');
      } catch {
        continue;
      }
      expect(wire).not.toMatch(/[\n\0]/);
      if (version !== '1.0') expect(wire).not.toMatch(/[:\r]/);
      expect(codec.unescape(wire)).toBe(text);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('escaping a value just unescaped (an ACK of the MESSAGE just read)', () => {
  it.each(['1.1', '1.2'] as const)('gives the canonical wire form on %s, whatever the sender left raw', (version) => {
    const codec = headerCodec(version, 'MESSAGE');
    // ActiveMQ's ids: every ':' escaped, so the wire form is reused as it came
    expect(codec.unescape('ID\\chost-1\\c1')).toBe('ID:host-1:1');
    expect(codec.escapeValue('ID:host-1:1', 'id')).toBe('ID\\chost-1\\c1');
    // a sender that left a ':' raw: the reply is escaped properly, not echoed
    expect(codec.unescape('a:b\\cc')).toBe('a:b:c');
    expect(codec.escapeValue('a:b:c', 'id')).toBe('a\\cb\\cc');
    // the same after the last escape
    expect(codec.unescape('a\\cb:c')).toBe('a:b:c');
    expect(codec.escapeValue('a:b:c', 'id')).toBe('a\\cb\\cc');
  });

  it('escapes on 1.2 a CR the sender left raw after an escape', () => {
    const codec = headerCodec('1.2', 'MESSAGE');
    expect(codec.unescape('a\\cb\rc')).toBe('a:b\rc');
    expect(codec.escapeValue('a:b\rc', 'id')).toBe('a\\cb\\rc');
  });

  it('still refuses on 1.1 a CR that arrived raw next to an escape', () => {
    const codec = headerCodec('1.1', 'MESSAGE');
    expect(codec.unescape('a\rb\\c')).toBe('a\rb:');
    expect(attempt(() => codec.escapeValue('a\rb:', 'id'))).toBe(REFUSED);
  });
});

describe('encodeHead', () => {
  it.each<[StompVersion, string]>([
    ['1.0', 'SEND\na:b:c\nx\\y:z\n\n'],
    ['1.1', 'SEND\na:b\\cc\nx\\\\y:z\n\n'],
    ['1.2', 'SEND\na:b\\cc\nx\\\\y:z\n\n'],
  ])('escapes SEND header values (and names) for %s', (version, head) => {
    expect(encodeHead('SEND', [['a', 'b:c'], ['x\\y', 'z']], version, -1)).toBe(head);
  });

  it.each(STOMP_VERSIONS)('never escapes CONNECT, STOMP or CONNECTED on %s', (version) => {
    for (const command of RAW_COMMANDS) {
      expect(encodeHead(command, [['passcode', 'p:a\\ss'], ['host', '/']], version, -1)).toBe(`${command}\npasscode:p:a\\ss\nhost:/\n\n`);
    }
  });

  it.each(STOMP_VERSIONS)('refuses, on %s, a CONNECT value that would need escaping', (version) => {
    expect(attempt(() => encodeHead('CONNECT', [['passcode', 'a\nb']], version, -1))).toBe(REFUSED);
    expect(attempt(() => encodeHead('CONNECT', [['pass:code', 'x']], version, -1))).toBe(REFUSED);
  });

  it('escapes header names on 1.1 and 1.2 (stomp.py sends them raw)', () => {
    expect(encodeHead('SEND', [['a:b', 'v'], ['l\nf', 'v'], ['b\\s', 'v']], '1.1', -1)).toBe('SEND\na\\cb:v\nl\\nf:v\nb\\\\s:v\n\n');
    expect(encodeHead('SEND', [['c\rr', 'v']], '1.2', -1)).toBe('SEND\nc\\rr:v\n\n');
  });

  it('appends content-length last and leaves out any given one', () => {
    expect(encodeHead('SEND', [['content-length', '99'], ['a', '1'], ['content-length', '7']], '1.2', 5)).toBe('SEND\na:1\ncontent-length:5\n\n');
    expect(encodeHead('SEND', [['content-length', '99']], '1.2', -1)).toBe('SEND\n\n');
    expect(encodeHead('SEND', [], '1.2', 0)).toBe('SEND\ncontent-length:0\n\n');
  });

  it('a refused value refuses the whole frame: nothing half-written comes back', () => {
    const frame = new Frame('SEND', [['ok', 'fine'], ['bad', 'a\0b']], 'x');
    for (const version of STOMP_VERSIONS) expect(attempt(() => encodeFrame(frame, version).join(''))).toBe(REFUSED);
  });
});

describe('acceptedVersions', () => {
  it.each<[StompVersion, StompVersion[]]>([
    ['1.0', ['1.0']],
    ['1.1', ['1.0', '1.1']],
    ['1.2', ['1.0', '1.1', '1.2']],
  ])('%s offers %j', (version, expected) => {
    expect(acceptedVersions(version)).toEqual(expected);
  });
});

describe('decoding by version on a whole frame', () => {
  const wire = bytes('MESSAGE\nk\\cey:v\\\\al\\nue\n\n\0');
  it.each<[StompVersion, [string, string]]>([
    ['1.0', ['k\\cey', 'v\\\\al\\nue']],
    ['1.1', ['k:ey', 'v\\al\nue']],
    ['1.2', ['k:ey', 'v\\al\nue']],
  ])('%s', (version, entry) => {
    expect(decodeChunks([wire], version).events).toEqual([{ frame: { command: 'MESSAGE', entries: [entry], body: Buffer.alloc(0) } }]);
  });
});
