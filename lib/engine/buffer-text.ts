import { Buffer, isAscii } from 'node:buffer';

/**
 * Node's Buffer methods that skip `toString`'s encoding dispatch (present since Node 0.x, not typed).
 * @internal
 */
export interface SliceableBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/**
 * `buf` from `start` to `end` as text when it is all ASCII, else undefined: one native check and a
 * one-byte copy, where V8's UTF-8 decoder would walk the bytes itself.
 * @internal
 */
export function asciiText(buf: Buffer, start: number, end: number): string | undefined {
  // A view only for part of `buf`: a whole read (one frame a read is the rule when a consumer keeps
  // up with RabbitMQ) or a whole body is checked as it is.
  const bytes = start === 0 && end === buf.length ? buf : new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
  return isAscii(bytes) ? (buf as SliceableBuffer).latin1Slice(start, end) : undefined;
}

/**
 * Whether `encoding` names UTF-8 (Node accepts both spellings).
 * @internal
 */
export function isUtf8Encoding(encoding: BufferEncoding): boolean {
  return encoding === 'utf8' || encoding === 'utf-8';
}

/**
 * `text` in Java's modified UTF-8, for a body that holds no NUL: UTF-8, except that a character
 * past U+FFFF is written as its two UTF-16 surrogates, 3 bytes each.
 * @internal
 */
export function modifiedUtf8Bytes(text: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    parts.push(Buffer.from(text.slice(from, i), 'utf8'), Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    from = i + 1;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * `bytes` read as Java's modified UTF-8 (a character past U+FFFF as two 3-byte surrogates, NUL as
 * C0 80; UTF-8's 4-byte form is taken too), as ActiveMQ Classic delivers a JMS TextMessage to STOMP;
 * undefined when the bytes are not that either.
 * @internal
 */
export function modifiedUtf8Text(bytes: Uint8Array): string | undefined {
  const units: number[] = [];
  const cont = (at: number): boolean => at < bytes.length && (bytes[at] & 0xc0) === 0x80;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      units.push(b);
      i += 1;
    } else if ((b & 0xe0) === 0xc0 && cont(i + 1)) {
      units.push(((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f));
      i += 2;
    } else if ((b & 0xf0) === 0xe0 && cont(i + 1) && cont(i + 2)) {
      units.push(((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f));
      i += 3;
    } else if ((b & 0xf8) === 0xf0 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const offset = (((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f)) - 0x10000;
      if (offset < 0 || offset > 0xfffff) return undefined;
      units.push(0xd800 | (offset >> 10), 0xdc00 | (offset & 0x3ff));
      i += 4;
    } else {
      return undefined;
    }
  }
  // In slices: a call per unit is slow, and all of them as arguments at once can overflow the stack.
  let text = '';
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.slice(i, i + 8192));
  return text;
}
