import { Buffer } from 'node:buffer';
import { modifiedUtf8Bytes } from './buffer-text';
import { Frame, type HeaderEntry } from './frame';
import { headerCodec, type StompVersion } from './versions';

/** Options of {@link encodeFrame}. */
export interface EncodeOptions {
  /**
   * Which bodies get a `content-length`: `true` every one, as stomp.py does; `'binary'` those not
   * given as text; `false` none. A body containing NUL always gets one, since a reader would
   * otherwise end the frame at the NUL.
   * @default true
   */
  autoContentLength?: boolean | 'binary';
  /**
   * Writes a text body that goes without content-length in Java's modified UTF-8 (a character past
   * U+FFFF as its two surrogates, 3 bytes each): ActiveMQ Classic hands such a body to JMS `getText()`
   * as it is, and that refuses UTF-8's 4-byte form. The connection sets it on ActiveMQ Classic.
   * @internal
   */
  textAsModifiedUtf8?: boolean;
}

/**
 * Bodies up to this size are copied into the head buffer: one write beats two for small frames.
 * Kept under Node's 4 KiB buffer pool slab: above it every inline copy would allocate a fresh
 * ArrayBuffer (7 % of the client's CPU with 10 KB bodies, bench/RESULTS.md).
 */
export const INLINE_BODY_MAX = 3 * 1024;
const NUL = Buffer.from([0]);
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/**
 * Encodes `frame` for `version` as buffers to write in order; a large body is not copied.
 * Any `content-length` in the frame's headers is replaced by the true length, since a wrong one
 * would corrupt every frame after it.
 * @throws {StompFrameError} `STOMP_ERR_UNENCODABLE` when a header cannot be carried by `version`.
 */
export function encodeFrame(frame: Frame, version: StompVersion, options: EncodeOptions = {}): Buffer[] {
  // A small body given as text is measured and written as text: no Buffer of its own, no copy of one.
  const given = frame.unencodedText;
  const text = given !== undefined && given.length <= INLINE_BODY_MAX ? given : undefined;
  const bodyLength = text === undefined ? frame.body.length : Buffer.byteLength(text, 'utf8');
  // As many bytes as characters: every character is ASCII (any other takes two or more bytes).
  const asciiText = text !== undefined && bodyLength === text.length;
  const auto = options.autoContentLength ?? true;
  const withLength =
    bodyLength > 0 && (auto === true || (auto === 'binary' && given === undefined) || frame.header('content-length') !== undefined || holdsNul(frame, text));
  // Not ASCII (more bytes than characters) and past U+FFFF: the rare case, re-encoded as bytes.
  if (!withLength && options.textAsModifiedUtf8 === true && given !== undefined && bodyLength !== given.length && HIGH_SURROGATE.test(given)) {
    return encodeFrame(new Frame(frame.command, frame.entries, modifiedUtf8Bytes(given)), version, { autoContentLength: false });
  }
  const head = buildHead(frame.command, frame.entries, version, withLength ? bodyLength : -1);
  if (bodyLength > INLINE_BODY_MAX) {
    return [Buffer.from(head, 'utf8'), frame.body, NUL];
  }
  // An all-ASCII head (known while building it) is as long in bytes as in characters, and is written
  // without UTF-8 encoding or a separate pass to measure it.
  const ascii = headIsAscii;
  const headLength = ascii ? head.length : Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + bodyLength + 1) as WritableBuffer;
  if (ascii && asciiText) {
    // One write of both: a native call costs more than joining the two strings.
    out.latin1Write(head + text, 0, headLength + bodyLength);
  } else {
    if (ascii) out.latin1Write(head, 0, headLength);
    else out.utf8Write(head, 0, headLength);
    if (text !== undefined) out.utf8Write(text, headLength, bodyLength);
    else if (bodyLength > 0) out.set(frame.body, headLength);
  }
  out[out.length - 1] = 0;
  return [out];
}

/** Whether the body holds a NUL, which only a content-length lets a reader carry. */
function holdsNul(frame: Frame, text: string | undefined): boolean {
  return text === undefined ? frame.body.includes(0) : text.includes('\0');
}

/** Node's Buffer writers without `write()`'s argument juggling (present since Node 0.x, not typed). */
interface WritableBuffer extends Buffer {
  latin1Write(text: string, offset: number, length: number): number;
  utf8Write(text: string, offset: number, length: number): number;
}

/** The command line, the header lines and the blank line, as text. */
export function encodeHead(command: string, entries: readonly HeaderEntry[], version: StompVersion, contentLength: number): string {
  return buildHead(command, entries, version, contentLength);
}

/** Whether the head {@link buildHead} returned last is all ASCII. */
let headIsAscii = false;

function buildHead(command: string, entries: readonly HeaderEntry[], version: StompVersion, contentLength: number): string {
  const codec = headerCodec(version, command);
  let head = command + '\n';
  let ascii = isAscii(command);
  // On 1.1/1.2 most names and values need no escaping: checked inline, the codec only does the rest.
  const escaping = codec.escapes !== undefined;
  // An ack id is never the same twice: comparing it with the one before (of equal length, which V8
  // compares outside the JIT's code) and remembering it cost an ACK a third of its encoding.
  const fresh = command === 'ACK' || command === 'NACK';
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const name = entry[0];
    if (name === 'content-length') continue;
    const value = entry[1];
    // The names and values seen last at this position (by far most are the same strings every time:
    // literals, a reused destination, an object's keys) are known plain ASCII without another scan.
    const slot = i < SLOTS ? i * 2 : -1;
    // Same name and value as last time at this position: the line built then is used again.
    if (slot >= 0 && escaping && !fresh && seen[slot] === name && seen[slot + 1] === value && lines[i] !== '') {
      head += lines[i];
      continue;
    }
    let nameKind = !escaping || name.length === 0 ? NEEDS_CODEC : slot >= 0 && seen[slot] === name ? PLAIN_ASCII : remember(slot, name);
    const wireName = nameKind === NEEDS_CODEC ? codec.escapeName(name) : name;
    if (nameKind === NEEDS_CODEC) nameKind = isAscii(wireName) ? PLAIN_ASCII : PLAIN;
    let valueKind = !escaping ? NEEDS_CODEC : fresh ? kind(value) : slot >= 0 && seen[slot + 1] === value ? PLAIN_ASCII : remember(slot + 1, value);
    const wireValue = valueKind === NEEDS_CODEC ? codec.escapeValue(value, name) : value;
    if (valueKind === NEEDS_CODEC) valueKind = isAscii(wireValue) ? PLAIN_ASCII : PLAIN;
    if (nameKind !== PLAIN_ASCII || valueKind !== PLAIN_ASCII) ascii = false;
    const line = wireName + ':' + wireValue + '\n';
    if (slot >= 0) lines[i] = escaping && !fresh && seen[slot] === name && seen[slot + 1] === value ? line : '';
    head += line;
  }
  if (contentLength >= 0) head += 'content-length:' + contentLength + '\n';
  headIsAscii = ascii;
  return head + '\n';
}

/** Header positions whose last plain-ASCII name and value are remembered. */
const SLOTS = 16;
const seen: string[] = new Array<string>(SLOTS * 2).fill('');
/** The line `name:value\n` last built at each position from the remembered (plain ASCII) name and value. */
const lines: string[] = new Array<string>(SLOTS).fill('');

/** kind(text), remembering plain-ASCII text at `slot` (when there is one). */
function remember(slot: number, text: string): number {
  const result = kind(text);
  if (result === PLAIN_ASCII && slot >= 0 && text.length <= 256) {
    seen[slot] = text;
    // The line kept for this position was built from the text replaced here: were the frame refused
    // before its line is built again, the next one with this name and the old value would reuse it.
    lines[slot >> 1] = '';
  }
  return result;
}

const NEEDS_CODEC = 0;
const PLAIN_ASCII = 1;
const PLAIN = 2;

/** What {@link kind} looks for, as one native scan: anything 1.1/1.2 escape or refuse, or a non-ASCII character. */
const NOT_PLAIN_ASCII = /[\\:\n\r\0]|[^\x00-\x7f]/;
/** From this length on the native scan beats the loop (an ack id of 45 characters: 100 ns against 140–180). */
const SCAN_MIN = 24;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * NEEDS_CODEC when the text holds a backslash, LF, ':', CR or NUL (what 1.1/1.2 escape or refuse),
 * else PLAIN_ASCII or PLAIN (non-ASCII): a loop the JIT inlines for short names and values; a long
 * one (an ack id, read from a slice of the MESSAGE's header text) is scanned natively, and one that
 * is not plain ASCII goes to the codec, which keeps what needs no escaping.
 */
function kind(text: string): number {
  if (text.length >= SCAN_MIN) return NOT_PLAIN_ASCII.test(text) ? NEEDS_CODEC : PLAIN_ASCII;
  let result = PLAIN_ASCII;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x5c) {
      if (c === 0x5c || c === 0x3a || c === 0x0a || c === 0x0d || c === 0x00) return NEEDS_CODEC;
    } else if (c > 0x7f) {
      result = PLAIN;
    }
  }
  return result;
}

function isAscii(text: string): boolean {
  if (text.length >= SCAN_MIN) return !NON_ASCII.test(text);
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
