/**
 * Valid wire vectors: bytes as a broker (or this client) may send them and the frames they mean.
 *
 * - `versions`: the negotiated versions under which `bytes` decode to `frames` (escaping differs).
 * - `heartbeats`: EOLs between frames the decoder must report.
 * - `canonical`: encodeFrame(frame, v) must give back exactly `bytes` for every listed version
 *   (one frame, LF line ends, content-length last and only when the body is non-empty).
 *
 * The spec examples are from https://stomp.github.io/stomp-specification-1.2.html.
 */
import type { StompVersion } from '../../lib/engine/versions';
import { bytes, type PlainFrame } from './bytes';

export interface FrameVector {
  name: string;
  versions: readonly StompVersion[];
  bytes: Buffer;
  frames: PlainFrame[];
  heartbeats?: number;
  canonical?: boolean;
}

const ALL: readonly StompVersion[] = ['1.0', '1.1', '1.2'];
const ESCAPING: readonly StompVersion[] = ['1.1', '1.2'];

function f(command: string, entries: Array<[string, string]> = [], body: string | Buffer = ''): PlainFrame {
  return { command, entries, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body };
}

const ERROR_BODY =
  'The message:\n-----\nMESSAGE\ndestined:/queue/a\nreceipt:message-12345\n\nHello queue a!\n-----\n' +
  'Did not contain a destination header, which is REQUIRED\nfor message propagation.\n';

const FRAME_IN_BODY = Buffer.from('SEND\ndestination:/x\n\n\0');
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const UTF8_TEXT = 'héllo wörld ✓ 日本語 😀';

export const FRAME_VECTORS: FrameVector[] = [
  // ---- the spec's own examples
  {
    name: 'spec CONNECT',
    versions: ALL,
    bytes: bytes('CONNECT\naccept-version:1.2\nhost:stomp.github.org\n\n\0'),
    frames: [f('CONNECT', [['accept-version', '1.2'], ['host', 'stomp.github.org']])],
    canonical: true,
  },
  {
    name: 'spec STOMP (1.2 CONNECT alias)',
    versions: ALL,
    bytes: bytes('STOMP\naccept-version:1.0,1.1,2.0\nhost:stomp.github.org\n\n\0'),
    frames: [f('STOMP', [['accept-version', '1.0,1.1,2.0'], ['host', 'stomp.github.org']])],
    canonical: true,
  },
  {
    name: 'spec CONNECTED',
    versions: ALL,
    bytes: bytes('CONNECTED\nversion:1.2\n\n\0'),
    frames: [f('CONNECTED', [['version', '1.2']])],
    canonical: true,
  },
  {
    name: 'spec CONNECTED with heart-beat and session',
    versions: ALL,
    bytes: bytes('CONNECTED\nversion:1.1\nheart-beat:5000,10000\nsession:ID:broker-1:2\nserver:ActiveMQ/5.18\n\n\0'),
    frames: [f('CONNECTED', [['version', '1.1'], ['heart-beat', '5000,10000'], ['session', 'ID:broker-1:2'], ['server', 'ActiveMQ/5.18']])],
    canonical: true,
  },
  {
    name: 'spec SEND, body read up to NUL',
    versions: ALL,
    bytes: bytes('SEND\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\n\0'),
    frames: [f('SEND', [['destination', '/queue/a'], ['content-type', 'text/plain']], 'hello queue a\n')],
  },
  {
    name: 'spec SEND with content-length',
    versions: ALL,
    bytes: bytes('SEND\ndestination:/queue/a\ncontent-type:text/plain\ncontent-length:13\n\nhello queue a\0'),
    frames: [f('SEND', [['destination', '/queue/a'], ['content-type', 'text/plain'], ['content-length', '13']], 'hello queue a')],
    canonical: true,
  },
  {
    name: 'spec SEND inside a transaction',
    versions: ALL,
    bytes: bytes('SEND\ndestination:/queue/a\ntransaction:tx1\ncontent-type:text/plain\ncontent-length:13\n\nhello queue a\0'),
    frames: [f('SEND', [['destination', '/queue/a'], ['transaction', 'tx1'], ['content-type', 'text/plain'], ['content-length', '13']], 'hello queue a')],
    canonical: true,
  },
  {
    name: 'spec SUBSCRIBE',
    versions: ALL,
    bytes: bytes('SUBSCRIBE\nid:0\ndestination:/queue/foo\nack:client\n\n\0'),
    frames: [f('SUBSCRIBE', [['id', '0'], ['destination', '/queue/foo'], ['ack', 'client']])],
    canonical: true,
  },
  {
    name: 'spec UNSUBSCRIBE',
    versions: ALL,
    bytes: bytes('UNSUBSCRIBE\nid:0\n\n\0'),
    frames: [f('UNSUBSCRIBE', [['id', '0']])],
    canonical: true,
  },
  {
    name: 'spec ACK and NACK',
    versions: ALL,
    bytes: bytes('ACK\nid:12345\ntransaction:tx1\n\n\0NACK\nid:12346\n\n\0'),
    frames: [f('ACK', [['id', '12345'], ['transaction', 'tx1']]), f('NACK', [['id', '12346']])],
  },
  {
    name: 'spec BEGIN, COMMIT, ABORT',
    versions: ALL,
    bytes: bytes('BEGIN\ntransaction:tx1\n\n\0COMMIT\ntransaction:tx1\n\n\0ABORT\ntransaction:tx2\n\n\0'),
    frames: [f('BEGIN', [['transaction', 'tx1']]), f('COMMIT', [['transaction', 'tx1']]), f('ABORT', [['transaction', 'tx2']])],
  },
  {
    name: 'spec DISCONNECT with receipt',
    versions: ALL,
    bytes: bytes('DISCONNECT\nreceipt:77\n\n\0'),
    frames: [f('DISCONNECT', [['receipt', '77']])],
    canonical: true,
  },
  {
    name: 'spec MESSAGE',
    versions: ALL,
    bytes: bytes('MESSAGE\nsubscription:0\nmessage-id:007\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\0'),
    frames: [f('MESSAGE', [['subscription', '0'], ['message-id', '007'], ['destination', '/queue/a'], ['content-type', 'text/plain']], 'hello queue a')],
  },
  {
    name: 'spec RECEIPT',
    versions: ALL,
    bytes: bytes('RECEIPT\nreceipt-id:message-12345\n\n\0'),
    frames: [f('RECEIPT', [['receipt-id', 'message-12345']])],
    canonical: true,
  },
  {
    name: 'spec ERROR with content-length 170 and a frame quoted in its body',
    versions: ALL,
    bytes: bytes(`ERROR\nreceipt-id:message-12345\ncontent-type:text/plain\ncontent-length:170\nmessage:malformed frame received\n\n${ERROR_BODY}\0`),
    frames: [
      f(
        'ERROR',
        [['receipt-id', 'message-12345'], ['content-type', 'text/plain'], ['content-length', '170'], ['message', 'malformed frame received']],
        ERROR_BODY,
      ),
    ],
  },
  {
    name: 'spec ERROR for version negotiation',
    versions: ALL,
    bytes: bytes('ERROR\nversion:1.2,2.1\ncontent-type:text/plain\n\nSupported protocol versions are 1.2 2.1\0'),
    frames: [f('ERROR', [['version', '1.2,2.1'], ['content-type', 'text/plain']], 'Supported protocol versions are 1.2 2.1')],
  },

  // ---- repeated headers: every entry kept in order, the first one is the header's value
  {
    name: 'spec repeated header (foo:World before foo:Hello)',
    versions: ALL,
    bytes: bytes('MESSAGE\nfoo:World\nfoo:Hello\n\n\0'),
    frames: [f('MESSAGE', [['foo', 'World'], ['foo', 'Hello']])],
    canonical: true,
  },
  {
    name: 'repeated content-length: the first one frames the body',
    versions: ALL,
    bytes: bytes('MESSAGE\ncontent-length:3\ncontent-length:5\n\nabc\0'),
    frames: [f('MESSAGE', [['content-length', '3'], ['content-length', '5']], 'abc')],
  },

  // ---- line endings and heart-beats
  {
    name: 'CRLF line endings everywhere',
    versions: ALL,
    bytes: bytes('MESSAGE\r\ndestination:/queue/a\r\nmessage-id:1\r\n\r\nhi\0'),
    frames: [f('MESSAGE', [['destination', '/queue/a'], ['message-id', '1']], 'hi')],
  },
  {
    name: 'CRLF with content-length and a CRLF body',
    versions: ALL,
    bytes: bytes('MESSAGE\r\ncontent-length:4\r\nsubscription:s\r\n\r\n\r\n\r\n\0'),
    frames: [f('MESSAGE', [['content-length', '4'], ['subscription', 's']], '\r\n\r\n')],
  },
  {
    name: 'CRLF blank line after LF header lines',
    versions: ALL,
    bytes: bytes('RECEIPT\nreceipt-id:1\n\r\n\0'),
    frames: [f('RECEIPT', [['receipt-id', '1']])],
  },
  {
    name: 'LF heart-beat alone',
    versions: ALL,
    bytes: bytes('\n'),
    frames: [],
    heartbeats: 1,
  },
  {
    name: 'CRLF heart-beat alone',
    versions: ALL,
    bytes: bytes('\r\n'),
    frames: [],
    heartbeats: 1,
  },
  {
    name: 'heart-beats before, between and after frames, LF and CRLF mixed',
    versions: ALL,
    bytes: bytes('\n\r\n\nRECEIPT\nreceipt-id:1\n\n\0\r\n\nRECEIPT\nreceipt-id:2\n\n\0\r\n\r\n'),
    frames: [f('RECEIPT', [['receipt-id', '1']]), f('RECEIPT', [['receipt-id', '2']])],
    heartbeats: 7,
  },
  {
    name: 'frames back to back with no EOL between them',
    versions: ALL,
    bytes: bytes('RECEIPT\nreceipt-id:1\n\n\0RECEIPT\nreceipt-id:2\n\n\0'),
    frames: [f('RECEIPT', [['receipt-id', '1']]), f('RECEIPT', [['receipt-id', '2']])],
  },

  // ---- bodies
  {
    name: 'content-length body containing NUL bytes',
    versions: ALL,
    bytes: bytes('MESSAGE\ndestination:/queue/a\ncontent-length:6\n\na\0b\0c\0\0'),
    frames: [f('MESSAGE', [['destination', '/queue/a'], ['content-length', '6']], bytes('a\0b\0c\0'))],
    canonical: true,
  },
  {
    name: 'content-length body that is only NULs, followed by a frame',
    versions: ALL,
    bytes: bytes('MESSAGE\ncontent-length:3\n\n\0\0\0\0RECEIPT\nreceipt-id:x\n\n\0'),
    frames: [f('MESSAGE', [['content-length', '3']], bytes('\0\0\0')), f('RECEIPT', [['receipt-id', 'x']])],
  },
  {
    name: 'body with LFs and CRs and no content-length',
    versions: ALL,
    bytes: bytes('SEND\ndestination:/q\n\nline 1\r\n\nline 3\n\r\0'),
    frames: [f('SEND', [['destination', '/q']], 'line 1\r\n\nline 3\n\r')],
  },
  {
    name: 'body that looks like a frame',
    versions: ALL,
    bytes: bytes(`SEND\ndestination:/q\ncontent-length:${FRAME_IN_BODY.length}\n\n`, FRAME_IN_BODY, '\0'),
    frames: [f('SEND', [['destination', '/q'], ['content-length', String(FRAME_IN_BODY.length)]], FRAME_IN_BODY)],
    canonical: true,
  },
  {
    name: 'binary body: all 256 byte values',
    versions: ALL,
    bytes: bytes('MESSAGE\ncontent-type:application/octet-stream\ncontent-length:256\n\n', ALL_BYTES, '\0'),
    frames: [f('MESSAGE', [['content-type', 'application/octet-stream'], ['content-length', '256']], ALL_BYTES)],
    canonical: true,
  },
  {
    name: 'binary body that is not UTF-8, without content-length',
    versions: ALL,
    bytes: bytes('MESSAGE\ndestination:/q\n\n', [0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80], '\0'),
    frames: [f('MESSAGE', [['destination', '/q']], Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]))],
  },
  {
    name: 'UTF-8 body, header names and values (multi-byte characters cut by the splits)',
    versions: ALL,
    bytes: bytes(`MESSAGE\ndestination:/queue/ünïcödé\nclé-😀:✓ 日本語\ncontent-length:${Buffer.byteLength(UTF8_TEXT)}\n\n${UTF8_TEXT}\0`),
    frames: [f('MESSAGE', [['destination', '/queue/ünïcödé'], ['clé-😀', '✓ 日本語'], ['content-length', String(Buffer.byteLength(UTF8_TEXT))]], UTF8_TEXT)],
    canonical: true,
  },
  {
    name: 'UTF-8 body without content-length',
    versions: ALL,
    bytes: bytes(`SEND\ndestination:/q\n\n${UTF8_TEXT}\0`),
    frames: [f('SEND', [['destination', '/q']], UTF8_TEXT)],
  },
  {
    name: 'empty body, no content-length',
    versions: ALL,
    bytes: bytes('SEND\ndestination:/q\n\n\0'),
    frames: [f('SEND', [['destination', '/q']])],
    canonical: true,
  },
  {
    name: 'empty body with content-length:0',
    versions: ALL,
    bytes: bytes('SEND\ndestination:/q\ncontent-length:0\n\n\0'),
    frames: [f('SEND', [['destination', '/q'], ['content-length', '0']])],
  },
  {
    name: 'content-length with leading zeros',
    versions: ALL,
    bytes: bytes('MESSAGE\ncontent-length:003\n\nabc\0'),
    frames: [f('MESSAGE', [['content-length', '003']], 'abc')],
  },
  {
    name: 'no headers, no body',
    versions: ALL,
    bytes: bytes('DISCONNECT\n\n\0'),
    frames: [f('DISCONNECT')],
    canonical: true,
  },
  {
    name: 'no headers, with a body',
    versions: ALL,
    bytes: bytes('ERROR\n\nboom\0'),
    frames: [f('ERROR', [], 'boom')],
  },

  // ---- header text taken as it is (other clients trim or split on every ':')
  {
    name: 'spaces around names and values are kept',
    versions: ALL,
    bytes: bytes('MESSAGE\n padded : value with spaces \n\tx\t:\t\n\n\0'),
    frames: [f('MESSAGE', [[' padded ', ' value with spaces '], ['\tx\t', '\t']])],
    canonical: true,
  },
  {
    name: 'empty header value',
    versions: ALL,
    bytes: bytes('MESSAGE\nfoo:\nbar:\n\n\0'),
    frames: [f('MESSAGE', [['foo', ''], ['bar', '']])],
    canonical: true,
  },
  {
    name: 'unescaped colons in a value (ActiveMQ message ids): the first colon separates',
    versions: ALL,
    bytes: bytes('MESSAGE\nmessage-id:ID:host-1234-5:1:1:1:1\n\n\0'),
    frames: [f('MESSAGE', [['message-id', 'ID:host-1234-5:1:1:1:1']])],
  },

  // ---- escaping by version
  {
    name: '1.2 escapes in names and values: \\c \\n \\r \\\\',
    versions: ['1.2'],
    bytes: bytes('MESSAGE\nkey\\cwith\\nodd\\\\name:v\\\\al\\r\\nue\\c\n\n\0'),
    frames: [f('MESSAGE', [['key:with\nodd\\name', 'v\\al\r\nue:']])],
    canonical: true,
  },
  {
    name: '1.0 takes the same bytes raw',
    versions: ['1.0'],
    bytes: bytes('MESSAGE\nkey\\cwith\\nodd\\\\name:v\\\\al\\r\\nue\\c\n\n\0'),
    frames: [f('MESSAGE', [['key\\cwith\\nodd\\\\name', 'v\\\\al\\r\\nue\\c']])],
    canonical: true,
  },
  {
    name: '1.1 and 1.2 escapes: \\c \\n \\\\',
    versions: ESCAPING,
    bytes: bytes('MESSAGE\na\\cb:c\\\\d\\ne\\c\n\n\0'),
    frames: [f('MESSAGE', [['a:b', 'c\\d\ne:']])],
    canonical: true,
  },
  {
    name: 'backslash backslash n is a backslash then n, not a newline (stompjs bug)',
    versions: ESCAPING,
    bytes: bytes('MESSAGE\nfoo:a\\\\nb\\\\\\\\\\\\c\n\n\0'),
    frames: [f('MESSAGE', [['foo', 'a\\nb\\\\\\c']])],
    canonical: true,
  },
  {
    name: 'escaped LF in a value does not end the header line',
    versions: ESCAPING,
    bytes: bytes('MESSAGE\nmulti:line1\\nline2\\n\nnext:v\n\n\0'),
    frames: [f('MESSAGE', [['multi', 'line1\nline2\n'], ['next', 'v']])],
    canonical: true,
  },
  {
    name: 'CONNECTED is never unescaped, whatever the version',
    versions: ALL,
    bytes: bytes('CONNECTED\nversion:1.2\nserver:odd\\name\\c\\t\\\n\n\0'),
    frames: [f('CONNECTED', [['version', '1.2'], ['server', 'odd\\name\\c\\t\\']])],
    canonical: true,
  },
  {
    name: 'CONNECT is never unescaped: a passcode with a colon and backslashes',
    versions: ALL,
    bytes: bytes('CONNECT\nlogin:guest\npasscode:p:a\\ss\\c\n\n\0'),
    frames: [f('CONNECT', [['login', 'guest'], ['passcode', 'p:a\\ss\\c']])],
    canonical: true,
  },
];

/** A stream of one of each vector that decodes the same on `version`, in order. */
export function vectorsFor(version: StompVersion): FrameVector[] {
  return FRAME_VECTORS.filter((v) => v.versions.includes(version));
}
