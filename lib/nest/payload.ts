import { Buffer } from 'node:buffer';
import { StompUsageError, type Frame } from '../engine';

/** A body ready for the wire and the content type that describes it. */
export interface EncodedPayload {
  body: string | Buffer;
  contentType: string;
}

/**
 * Encodes a value as plain STOMP that any peer understands: a Buffer as bytes, a string as text,
 * anything else as JSON. An explicit `contentType` is kept.
 * @throws {StompUsageError} when the value cannot be serialized (a cycle, a BigInt, undefined).
 */
export function encodePayload(value: unknown, contentType?: string): EncodedPayload {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return { body: Buffer.isBuffer(value) ? value : Buffer.from(value), contentType: contentType ?? 'application/octet-stream' };
  }
  if (typeof value === 'string') return { body: value, contentType: contentType ?? 'text/plain;charset=utf-8' };
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new StompUsageError(`cannot serialize the payload as JSON: ${(cause as Error).message}`);
  }
  if (json === undefined) throw new StompUsageError(`cannot serialize a payload of type ${typeof value} as JSON`);
  return { body: json, contentType: contentType ?? 'application/json' };
}

/**
 * Decodes a message body by its `content-type`: JSON parsed, text as a string (in its charset),
 * anything else as the Buffer itself. A body that claims JSON but is not stays a string. A body
 * with neither `content-type` nor `content-length` is text, JSON parsed when it parses (as Nest's
 * own transports read every body): how ActiveMQ delivers a JMS `TextMessage`, which has no content
 * type (a `BytesMessage` carries `content-length`, and stays a Buffer).
 */
export function decodePayload(frame: Frame): unknown {
  const contentType = frame.header('content-type');
  // What ClientStomp itself sends, checked before any string splitting: the per-message hot path.
  if (contentType === 'application/json') return parseJson(frame);
  if (contentType === undefined) return frame.header('content-length') === undefined ? parseJson(frame) : frame.body;
  const [mime, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mime === 'application/json' || mime.endsWith('+json')) return parseJson(frame, charsetOf(params));
  if (mime.startsWith('text/')) return frame.text(charsetOf(params));
  return frame.body;
}

/** The body as JSON; a body that is not JSON stays a string. */
function parseJson(frame: Frame, charset: BufferEncoding = 'utf8'): unknown {
  const text = frame.text(charset);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function charsetOf(params: string[]): BufferEncoding {
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  switch (charset) {
    case 'iso-8859-1':
    case 'latin1':
    case 'us-ascii':
      return 'latin1';
    case 'utf-16le':
      return 'utf16le';
    default:
      return 'utf8';
  }
}
