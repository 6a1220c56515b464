import { isAscii, type Buffer } from 'node:buffer';

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
