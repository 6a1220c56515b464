import { Buffer, isUtf8 } from 'node:buffer';
import { inspect } from 'node:util';
import { asciiText, isUtf8Encoding, modifiedUtf8Text } from './buffer-text';

/** A header as it stands on the wire: name and value, unescaped. */
export type HeaderEntry = readonly [name: string, value: string];

/** Headers as a plain record (insertion order kept) or as ordered entries. */
export type HeadersInit = Readonly<Record<string, string | number | boolean | undefined>> | readonly HeaderEntry[];

const EMPTY = Buffer.alloc(0);
/** From this size on, {@link Frame.text} tries the ASCII path first. */
const ASCII_TEXT_MIN = 2048;
const NO_ENTRIES: readonly HeaderEntry[] = [];
const CR = 0x0d;

/**
 * One STOMP frame: command, ordered headers and a binary body.
 *
 * Headers keep wire order, repeats included; {@link Frame.header} returns the first value, as the
 * spec requires of a repeated header.
 * @see https://stomp.github.io/stomp-specification-1.2.html#Repeated_Header_Entries
 */
export class Frame {
  /** The body as bytes, once made (always, for a body given as bytes). */
  #body: Buffer | undefined;
  /** A body given as text, kept until its bytes are needed: the encoder writes it straight into the frame. */
  #text: string | undefined;
  private record?: Record<string, string>;
  /** The headers, once built (always, for a frame built with `new`; on first use, for a decoded one). */
  #entries: readonly HeaderEntry[] | undefined;
  /** A decoded frame's header section as received, until #entries is built from it. */
  #wire: WireHead | undefined;

  constructor(
    /** The command, e.g. `MESSAGE`. */
    readonly command: string,
    headers: HeadersInit = [],
    body: Buffer | Uint8Array | string = EMPTY,
  ) {
    this.#entries = headerEntries(headers);
    if (typeof body === 'string') this.#text = body;
    else this.#body = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }

  /** The body, always binary (a text body encoded as UTF-8); {@link Frame.text} decodes it. */
  get body(): Buffer {
    return (this.#body ??= Buffer.from(this.#text!, 'utf8'));
  }

  /**
   * The body as given to the constructor when that was text whose bytes were not needed yet, else
   * undefined: the encoder writes such text into the frame's buffer without a Buffer of its own.
   * @internal
   */
  get unencodedText(): string | undefined {
    return this.#body === undefined ? this.#text : undefined;
  }

  /**
   * A frame as the decoder read it: `head` is the header section (command line, then header lines,
   * each ending with LF) that {@link FrameDecoder} already checked; its lines are parsed only when
   * {@link Frame.entries} or {@link Frame.headers} is first read, and {@link Frame.header} finds a
   * header in the text without parsing the others.
   * @internal
   */
  static fromWire(command: string, head: string, headStart: number, unescape: ((text: string) => string) | undefined, body: Buffer): Frame {
    const frame = new Frame(command, NO_ENTRIES, body);
    frame.#entries = undefined;
    frame.#wire = { head, start: headStart, unescape };
    return frame;
  }

  /** Headers in wire order, repeats included. */
  get entries(): readonly HeaderEntry[] {
    if (this.#entries === undefined) {
      const wire = this.#wire!;
      this.#entries = parseHead(wire.head, wire.start, wire.unescape);
      this.#wire = undefined;
    }
    return this.#entries;
  }

  /** The first value of header `name`, or `undefined`. */
  header(name: string): string | undefined {
    const wire = this.#wire;
    if (wire !== undefined) {
      const key = lineKey(name);
      if (key !== undefined) return findInHead(wire, key);
    }
    const list = this.entries;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      if (entry[0] === name) return entry[1];
    }
    return undefined;
  }

  /** Headers as a record; for a repeated header the first value wins. */
  get headers(): Readonly<Record<string, string>> {
    if (this.record === undefined) {
      const record: Record<string, string> = Object.create(null);
      for (const [key, value] of this.entries) {
        if (record[key] === undefined) record[key] = value;
      }
      this.record = record;
    }
    return this.record;
  }

  /** The body decoded as text. @default encoding 'utf8' */
  text(encoding: BufferEncoding = 'utf8'): string {
    const body = this.body;
    // A long ASCII body (JSON, XML, most text) reads the same as UTF-8 and as Latin-1, and the ASCII
    // path is faster (10 KB: 1.7 µs against 2.9–6.2; below ~1 KB they are even).
    const utf8 = isUtf8Encoding(encoding);
    const ascii = body.length >= ASCII_TEXT_MIN && utf8 ? asciiText(body, 0, body.length) : undefined;
    if (ascii !== undefined) return ascii;
    const text = body.toString(encoding);
    // Bytes that are not UTF-8 read as U+FFFD; ActiveMQ Classic sends a JMS TextMessage's text in
    // Java's modified UTF-8 (an emoji as two 3-byte surrogates), which is not UTF-8 but says something.
    return utf8 && text.includes('\uFFFD') && !isUtf8(body) ? (modifiedUtf8Text(body) ?? text) : text;
  }

  /** A short description for logs: command and headers, never the body or a passcode. */
  toString(): string {
    const shown = this.entries.map(([k, v]) => `${printable(k)}:${k === 'passcode' ? '********' : printable(v)}`);
    return `${this.command} {${shown.join(', ')}} (${this.body.length} bytes)`;
  }

  /** JSON as before the headers became lazy: command, entries, body. */
  toJSON(): { command: string; entries: readonly HeaderEntry[]; body: Buffer } {
    return { command: this.command, entries: this.entries, body: this.body };
  }

  /** What console.log and util.inspect show: the masked summary, so logging a CONNECT frame leaks nothing. */
  [inspect.custom](): string {
    return `Frame ${this.toString()}`;
  }
}

/** Headers as ordered entries; `undefined` values are left out. */
export function headerEntries(headers: HeadersInit): HeaderEntry[] {
  return Array.isArray(headers) ? (headers as HeaderEntry[]) : appendHeaders([], headers);
}

/**
 * Appends `headers`, if any, to `entries` (which the caller owns) and returns it: a frame's own
 * headers and a caller's extra ones in one array, without an array for the extra ones first.
 * @internal
 */
export function appendHeaders(entries: HeaderEntry[], headers: HeadersInit | undefined): HeaderEntry[] {
  if (headers === undefined) return entries;
  if (Array.isArray(headers)) {
    for (const entry of headers as HeaderEntry[]) entries.push(entry);
    return entries;
  }
  for (const key of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[key];
    if (value !== undefined) entries.push([key, String(value)]);
  }
  return entries;
}

/** A decoded header section (command line, header lines each ending with LF), checked by the decoder. */
interface WireHead {
  readonly head: string;
  /** Where the first header line starts; the character before it is always LF. */
  readonly start: number;
  /** Unescaping of names and values, undefined when the version (or command) has none. */
  readonly unescape: ((text: string) => string) | undefined;
}

/**
 * Finds a header in unparsed header text by its line key ({@link lineKey}): the first line that
 * starts with `name:`.
 */
function findInHead(wire: WireHead, key: string): string | undefined {
  const head = wire.head;
  const at = head.indexOf(key, wire.start - 1);
  if (at < 0) return undefined;
  const valueStart = at + key.length;
  let valueEnd = head.indexOf('\n', valueStart);
  if (valueEnd > valueStart && head.charCodeAt(valueEnd - 1) === CR) valueEnd -= 1;
  const raw = head.slice(valueStart, valueEnd);
  return wire.unescape === undefined ? raw : wire.unescape(raw);
}

/**
 * `\nname:`, the start of a header line, when `name` is the same text on the wire on every version
 * (no backslash, colon, CR or LF, not empty); else undefined. Kept for the names asked for most (a few
 * hundred at most): one lookup per `header()` call.
 */
const LINE_KEYS = new Map<string, string | undefined>();
function lineKey(name: string): string | undefined {
  let key = LINE_KEYS.get(name);
  if (key === undefined && !LINE_KEYS.has(name)) {
    key = name.length > 0 && !/[\\:\r\n]/.test(name) ? `\n${name}:` : undefined;
    if (LINE_KEYS.size < 512) LINE_KEYS.set(name, key);
  }
  return key;
}

/** The header lines of a decoded section, which the decoder checked: each has a ':' and valid escapes. */
function parseHead(head: string, start: number, unescape: ((text: string) => string) | undefined): HeaderEntry[] {
  const entries: HeaderEntry[] = [];
  let lineEnd: number;
  for (let from = start; from < head.length; from = lineEnd + 1) {
    lineEnd = head.indexOf('\n', from);
    const colon = head.indexOf(':', from);
    const valueEnd = lineEnd > colon + 1 && head.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
    const name = head.slice(from, colon);
    const value = head.slice(colon + 1, valueEnd);
    entries.push(unescape === undefined ? [name, value] : [unescape(name), unescape(value)]);
  }
  return entries;
}

/** Control characters shown as escapes, so one frame stays one log line. */
function printable(text: string): string {
  return /[\x00-\x1f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}
