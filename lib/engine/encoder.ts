import type { Frame, HeaderEntry } from './frame';
import { headerCodec, type StompVersion } from './versions';

/** Options of {@link encodeFrame}. */
export interface EncodeOptions {
  /**
   * Adds `content-length` to every frame with a body, as stomp.py does. A body containing NUL always
   * gets one, since a reader would otherwise end the frame at the NUL.
   * @default true
   */
  autoContentLength?: boolean;
}

/** Bodies up to this size are copied into the head buffer: one write beats two for small frames. */
const INLINE_BODY_MAX = 16 * 1024;
const NUL = Buffer.from([0]);

/**
 * Encodes `frame` for `version` as buffers to write in order; a large body is not copied.
 * Any `content-length` in the frame's headers is replaced by the true length, since a wrong one
 * would corrupt every frame after it.
 * @throws {StompFrameError} `STOMP_ERR_UNENCODABLE` when a header cannot be carried by `version`.
 */
export function encodeFrame(frame: Frame, version: StompVersion, options: EncodeOptions = {}): Buffer[] {
  const body = frame.body;
  const withLength =
    body.length > 0 && (options.autoContentLength !== false || frame.header('content-length') !== undefined || body.includes(0));
  const head = encodeHead(frame.command, frame.entries, version, withLength ? body.length : -1);
  if (body.length > INLINE_BODY_MAX) {
    return [Buffer.from(head, 'utf8'), body, NUL];
  }
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + body.length + 1);
  out.write(head, 0, 'utf8');
  body.copy(out, headLength);
  out[out.length - 1] = 0;
  return [out];
}

/** The command line, the header lines and the blank line, as text. */
export function encodeHead(command: string, entries: readonly HeaderEntry[], version: StompVersion, contentLength: number): string {
  const codec = headerCodec(version, command);
  let head = command + '\n';
  for (const [name, value] of entries) {
    if (name === 'content-length') continue;
    head += codec.escapeName(name) + ':' + codec.escapeValue(value, name) + '\n';
  }
  if (contentLength >= 0) head += 'content-length:' + contentLength + '\n';
  return head + '\n';
}
