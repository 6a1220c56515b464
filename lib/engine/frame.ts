import { inspect } from 'node:util';

/** A header as it stands on the wire: name and value, unescaped. */
export type HeaderEntry = readonly [name: string, value: string];

/** Headers as a plain record (insertion order kept) or as ordered entries. */
export type HeadersInit = Readonly<Record<string, string | number | boolean | undefined>> | readonly HeaderEntry[];

const EMPTY = Buffer.alloc(0);

/**
 * One STOMP frame: command, ordered headers and a binary body.
 *
 * Headers keep wire order, repeats included; {@link Frame.header} returns the first value, as the
 * spec requires of a repeated header.
 * @see https://stomp.github.io/stomp-specification-1.2.html#Repeated_Header_Entries
 */
export class Frame {
  /** Headers in wire order, repeats included. */
  readonly entries: readonly HeaderEntry[];
  /** The body, always binary; {@link Frame.text} decodes it. */
  readonly body: Buffer;
  private record?: Record<string, string>;

  constructor(
    /** The command, e.g. `MESSAGE`. */
    readonly command: string,
    headers: HeadersInit = [],
    body: Buffer | Uint8Array | string = EMPTY,
  ) {
    this.entries = headerEntries(headers);
    this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }

  /** The first value of header `name`, or `undefined`. */
  header(name: string): string | undefined {
    for (const [key, value] of this.entries) {
      if (key === name) return value;
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
    return this.body.toString(encoding);
  }

  /** A short description for logs: command and headers, never the body or a passcode. */
  toString(): string {
    const shown = this.entries.map(([k, v]) => `${printable(k)}:${k === 'passcode' ? '********' : printable(v)}`);
    return `${this.command} {${shown.join(', ')}} (${this.body.length} bytes)`;
  }

  /** What console.log and util.inspect show: the masked summary, so logging a CONNECT frame leaks nothing. */
  [inspect.custom](): string {
    return `Frame ${this.toString()}`;
  }
}

/** Headers as ordered entries; `undefined` values are left out. */
export function headerEntries(headers: HeadersInit): HeaderEntry[] {
  if (Array.isArray(headers)) return headers as HeaderEntry[];
  const entries: HeaderEntry[] = [];
  for (const key of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[key];
    if (value !== undefined) entries.push([key, String(value)]);
  }
  return entries;
}

/** Control characters shown as escapes, so one frame stays one log line. */
function printable(text: string): string {
  return /[\x00-\x1f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}
