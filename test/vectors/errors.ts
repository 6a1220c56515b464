/**
 * Invalid wire vectors: what the decoder must refuse, and with which code. `framesBefore` counts the
 * valid frames the stream carries ahead of the bad one (they must still be delivered).
 */
import type { DecoderLimits } from '../../lib/engine/decoder';
import { StompErrorCode, type StompErrorCodeValue } from '../../lib/engine/errors';
import type { StompVersion } from '../../lib/engine/versions';
import { bytes } from './bytes';

export interface ErrorVector {
  name: string;
  versions: readonly StompVersion[];
  bytes: Buffer;
  code: StompErrorCodeValue;
  /** Part of the error message, to tell apart errors that share a code. */
  message: RegExp;
  limits?: DecoderLimits;
  /** The `limit` the error must carry, for limit errors. */
  limit?: number;
  framesBefore?: number;
}

const ALL: readonly StompVersion[] = ['1.0', '1.1', '1.2'];
const ESCAPING: readonly StompVersion[] = ['1.1', '1.2'];
const MALFORMED = StompErrorCode.MalformedFrame;
const LIMIT = StompErrorCode.LimitExceeded;
const GOOD = 'RECEIPT\nreceipt-id:ok\n\n\0';

function contentLength(value: string): ErrorVector {
  return { name: `content-length ${JSON.stringify(value)}`, versions: ALL, bytes: bytes(`MESSAGE\ncontent-length:${value}\n\nabc\0`), code: MALFORMED, message: /invalid content-length/ };
}

export const ERROR_VECTORS: ErrorVector[] = [
  { name: 'unknown command', versions: ALL, bytes: bytes('FOO\n\n\0'), code: MALFORMED, message: /unknown command "FOO"/ },
  { name: 'command in lower case', versions: ALL, bytes: bytes('send\ndestination:/q\n\n\0'), code: MALFORMED, message: /unknown command/ },
  { name: 'command with a trailing space', versions: ALL, bytes: bytes('SEND \n\n\0'), code: MALFORMED, message: /unknown command/ },
  { name: 'unknown command after a good frame', versions: ALL, bytes: bytes(GOOD, '\nBOGUS\n\n\0'), code: MALFORMED, message: /unknown command/, framesBefore: 1 },
  { name: 'CR not followed by LF before a frame', versions: ALL, bytes: bytes('\rSEND\n\n\0'), code: MALFORMED, message: /unknown command/ },
  { name: 'header line without a colon', versions: ALL, bytes: bytes('SEND\ndestination\n\n\0'), code: MALFORMED, message: /without ':'/ },
  { name: 'colon only on a later line', versions: ALL, bytes: bytes('SEND\nfoo\nbar:baz\n\n\0'), code: MALFORMED, message: /without ':'/ },
  { name: 'empty header name', versions: ALL, bytes: bytes('SEND\n:value\n\n\0'), code: MALFORMED, message: /empty header name/ },
  {
    // Taken whole, the MESSAGE would be a header value of the RECEIPT, lost without a word.
    name: 'NUL in a header section: a frame without its blank line, and the next one',
    versions: ALL,
    bytes: bytes('RECEIPT\nreceipt-id:1\0MESSAGE\nsubscription:1\nmessage-id:2\n\nhello\0'),
    code: MALFORMED,
    message: /NUL in the header section of a RECEIPT frame/,
  },
  { name: 'NUL in a header name, with content-length', versions: ALL, bytes: bytes('MESSAGE\nfo\0o:v\ncontent-length:1\n\nx\0'), code: MALFORMED, message: /NUL in the header section/ },
  { name: 'NUL in a CRLF header section', versions: ALL, bytes: bytes('MESSAGE\r\nfoo:a\0b\r\n\r\n\0'), code: MALFORMED, message: /NUL in the header section/ },
  contentLength('abc'),
  contentLength('-1'),
  contentLength('1e3'),
  contentLength('0x10'),
  contentLength('1.5'),
  contentLength(''),
  contentLength(' 3'),
  contentLength('3 '),
  contentLength('+3'),
  contentLength('1234567890123456'),
  {
    name: 'content-length beyond maxBodyBytes',
    versions: ALL,
    bytes: bytes('MESSAGE\ncontent-length:101\n\n'),
    limits: { maxBodyBytes: 100 },
    code: LIMIT,
    limit: 100,
    message: /body exceeds 100 bytes/,
  },
  {
    name: 'content-length of 10^15 - 1 with the default limit',
    versions: ALL,
    bytes: bytes('MESSAGE\ncontent-length:999999999999999\n\n'),
    code: LIMIT,
    limit: 64 * 1024 * 1024,
    message: /body exceeds/,
  },
  {
    name: 'content-length too short: no NUL after the body',
    versions: ALL,
    bytes: bytes('MESSAGE\ncontent-length:2\n\nabc\0'),
    code: MALFORMED,
    message: /not followed by NUL/,
  },
  {
    name: 'content-length too short, after a good frame',
    versions: ALL,
    bytes: bytes(GOOD, 'MESSAGE\ncontent-length:0\n\nx\0'),
    code: MALFORMED,
    message: /not followed by NUL/,
    framesBefore: 1,
  },
  {
    name: 'header section over maxHeaderBytes, complete',
    versions: ALL,
    bytes: bytes('SEND\nh:', 'x'.repeat(100), '\n\n\0'),
    limits: { maxHeaderBytes: 64 },
    code: LIMIT,
    limit: 64,
    message: /header section exceeds 64 bytes/,
  },
  {
    name: 'header section over maxHeaderBytes, never finished',
    versions: ALL,
    bytes: bytes('SEND\nh:', 'x'.repeat(100)),
    limits: { maxHeaderBytes: 64 },
    code: LIMIT,
    limit: 64,
    message: /header section exceeds 64 bytes/,
  },
  {
    name: 'a bare line of junk longer than maxHeaderBytes',
    versions: ALL,
    bytes: bytes('x'.repeat(200)),
    limits: { maxHeaderBytes: 64 },
    code: LIMIT,
    limit: 64,
    message: /header section exceeds/,
  },
  {
    name: 'more than maxHeaders headers',
    versions: ALL,
    bytes: bytes('SEND\na:1\nb:2\nc:3\nd:4\n\n\0'),
    limits: { maxHeaders: 3 },
    code: LIMIT,
    limit: 3,
    message: /more than 3 headers/,
  },
  {
    name: 'body without content-length over maxBodyBytes, terminated',
    versions: ALL,
    bytes: bytes('SEND\n\n', 'x'.repeat(101), '\0'),
    limits: { maxBodyBytes: 100 },
    code: LIMIT,
    limit: 100,
    message: /body exceeds 100 bytes/,
  },
  {
    name: 'body without content-length over maxBodyBytes, still streaming',
    versions: ALL,
    bytes: bytes('SEND\n\n', 'x'.repeat(150)),
    limits: { maxBodyBytes: 100 },
    code: LIMIT,
    limit: 100,
    message: /body exceeds 100 bytes/,
  },
  { name: 'non-UTF-8 byte in a header value', versions: ALL, bytes: bytes('SEND\nfoo:', [0xff], '\n\n\0'), code: MALFORMED, message: /UTF-8/ },
  { name: 'overlong UTF-8 in a header name', versions: ALL, bytes: bytes('SEND\n', [0xc0, 0xaf], ':v\n\n\0'), code: MALFORMED, message: /UTF-8/ },
  { name: 'UTF-16 surrogate encoded in UTF-8 (CESU)', versions: ALL, bytes: bytes('SEND\nfoo:', [0xed, 0xa0, 0x80], '\n\n\0'), code: MALFORMED, message: /UTF-8/ },
  { name: 'non-UTF-8 byte in the command', versions: ALL, bytes: bytes('SEN', [0xc4], '\n\n\0'), code: MALFORMED, message: /UTF-8/ },
  { name: 'truncated UTF-8 sequence before the blank line', versions: ALL, bytes: bytes('SEND\nfoo:', [0xe2, 0x9c], '\n\n\0'), code: MALFORMED, message: /UTF-8/ },
  { name: 'undefined escape \\t', versions: ESCAPING, bytes: bytes('MESSAGE\nfoo:a\\tb\n\n\0'), code: MALFORMED, message: /undefined escape/ },
  { name: 'trailing backslash in a value', versions: ESCAPING, bytes: bytes('MESSAGE\nfoo:ab\\\n\n\0'), code: MALFORMED, message: /undefined escape/ },
  { name: 'trailing backslash in a CRLF value', versions: ESCAPING, bytes: bytes('MESSAGE\r\nfoo:ab\\\r\n\r\n\0'), code: MALFORMED, message: /undefined escape/ },
  { name: 'undefined escape in a header name', versions: ESCAPING, bytes: bytes('MESSAGE\nf\\oo:v\n\n\0'), code: MALFORMED, message: /undefined escape/ },
  { name: 'escaped ":" written as \\: (not \\c)', versions: ESCAPING, bytes: bytes('MESSAGE\nfoo:a\\:b\n\n\0'), code: MALFORMED, message: /undefined escape/ },
  { name: '\\r is undefined on 1.1', versions: ['1.1'], bytes: bytes('MESSAGE\nfoo:a\\rb\n\n\0'), code: MALFORMED, message: /undefined escape/ },
  { name: 'undefined escape in an ERROR frame', versions: ESCAPING, bytes: bytes('ERROR\nmessage:bad \\x\n\n\0'), code: MALFORMED, message: /undefined escape/ },
];

/** Bytes of the error vectors above that a version takes without complaint (escapes are 1.1+). */
export const RAW_ON_10: Array<{ name: string; bytes: Buffer; entries: Array<[string, string]> }> = [
  { name: 'undefined escape \\t', bytes: bytes('MESSAGE\nfoo:a\\tb\n\n\0'), entries: [['foo', 'a\\tb']] },
  { name: 'trailing backslash', bytes: bytes('MESSAGE\nfoo:ab\\\n\n\0'), entries: [['foo', 'ab\\']] },
  { name: 'backslash in a name', bytes: bytes('MESSAGE\nf\\oo:v\n\n\0'), entries: [['f\\oo', 'v']] },
  { name: '\\r', bytes: bytes('MESSAGE\nfoo:a\\rb\n\n\0'), entries: [['foo', 'a\\rb']] },
];
