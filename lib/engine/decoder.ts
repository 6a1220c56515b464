import { Buffer, constants, isUtf8 } from 'node:buffer';
import { asciiText, type SliceableBuffer } from './buffer-text';
import { StompErrorCode, StompFrameError } from './errors';
import { Frame, type HeaderEntry } from './frame';
import { headerCodec, type StompVersion } from './versions';

/** Limits that bound what one incoming frame may hold in memory. */
export interface DecoderLimits {
  /**
   * Largest header section (command line, header lines, blank line), in bytes.
   * @default DEFAULT_MAX_HEADER_BYTES (64 KiB)
   */
  maxHeaderBytes?: number;
  /**
   * Most header lines in one frame.
   * @default DEFAULT_MAX_HEADERS (256)
   */
  maxHeaders?: number;
  /**
   * Largest body, in bytes; at most `buffer.constants.MAX_LENGTH` (4 GiB on 64-bit Node 20), the largest Buffer.
   * @default DEFAULT_MAX_BODY_BYTES (64 MiB)
   */
  maxBodyBytes?: number;
}

/** @see DecoderLimits.maxHeaderBytes */
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
/** @see DecoderLimits.maxHeaders */
export const DEFAULT_MAX_HEADERS = 256;
/** @see DecoderLimits.maxBodyBytes */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Where the decoder hands what it reads. */
export interface DecoderSink {
  /** A complete frame. */
  onFrame(frame: Frame): void;
  /** An EOL between frames: a heart-beat. */
  onHeartbeat(): void;
}

/** Every command of STOMP 1.0–1.2, client and server side. */
const COMMANDS = new Set([
  'CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT',
  'CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR',
]);

/** Bytes of a read decoded as text at once, for the header sections in them (see FrameDecoder.plainWindow). */
const TEXT_WINDOW = 4 * 1024;
/** A window with less than this left after a frame's start is replaced by one starting there. */
const HEAD_ROOM = 1024;
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
/** Chunks of a body without content-length below this size are joined in runs of SMALL_RUN (see FrameDecoder.keepBodyChunk). */
const SMALL_CHUNK = 1024;
const SMALL_RUN = 256;
/** More digits than this cannot be a length that fits in memory (and would lose precision). */
const CONTENT_LENGTH_DIGITS_MAX = 15;

const enum State {
  Head,
  Body,
}

/**
 * Incremental STOMP frame decoder: feed it socket chunks split anywhere, it hands out frames and
 * heart-beats. Header sections are scanned in place; a body that spans chunks is copied into a buffer
 * of its content-length as they arrive, or, without one, gathered as a list and joined once at the
 * NUL. Every limit is checked before bytes are kept, so memory stays bounded.
 * After the first error the decoder is halted: a stream with a broken frame cannot be resynchronised.
 */
export class FrameDecoder {
  private readonly maxHeaderBytes: number;
  private readonly maxHeaders: number;
  private readonly maxBodyBytes: number;
  private state = State.Head;
  /**
   * Bytes of an unfinished header section (Head state), kept as received: they are joined only when
   * a chunk can end the section, so a head trickling in byte by byte costs linear, not quadratic, copying.
   */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private command = '';
  /** Parsed headers of the current frame, or undefined when its lines are handed over unparsed (`head`). */
  private entries: HeaderEntry[] | undefined = [];
  /** The current frame's header section as text, and where its first header line starts. */
  private head = '';
  private headStart = 0;
  /** Unescaping of the current frame's header text; undefined when its version or command has none. */
  private unescape: ((text: string) => string) | undefined;
  /** Body length from `content-length`, or -1 to read up to the NUL. */
  private bodyLength = -1;
  /**
   * A body that spans chunks: with a content-length, copied into a buffer of that size as chunks
   * arrive (the reads are not kept: a large body costs its size once, not twice); without one,
   * the chunks, joined at the NUL.
   */
  private bodyBuffer: Buffer | undefined;
  private bodyChunks: Buffer[] = [];
  /** How many chunks at the end of bodyChunks are smaller than SMALL_CHUNK (see {@link keepBodyChunk}). */
  private smallChunks = 0;
  private bodyBytes = 0;
  private halted: StompFrameError | null = null;
  /** A window of the buffer being decoded, as text when it is ASCII without CR (see {@link plainWindow}). */
  private windowOf: Buffer | null = null;
  /** Where the window starts in `windowOf`, and where it ends. */
  private windowStart = 0;
  private windowEnd = 0;
  private windowText: string | undefined;

  constructor(
    private readonly sink: DecoderSink,
    limits: DecoderLimits = {},
    /** Version whose escaping applies; {@link FrameDecoder.setVersion} changes it after CONNECTED. */
    private version: StompVersion = '1.0',
  ) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxHeaders = limits.maxHeaders ?? DEFAULT_MAX_HEADERS;
    // A body is one Buffer: a larger limit (Infinity, say) would let a huge content-length end in a
    // RangeError from the allocation instead of a StompFrameError.
    this.maxBodyBytes = Math.min(limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, constants.MAX_LENGTH);
  }

  /** Switches header unescaping to the negotiated version. */
  setVersion(version: StompVersion): void {
    this.version = version;
  }

  /** Drops any partial frame, e.g. when the socket is replaced. */
  reset(): void {
    this.state = State.Head;
    this.clearPending();
    this.clearBody();
    this.halted = null;
  }

  /**
   * Decodes `chunk`, calling the sink for every complete frame and heart-beat in it.
   * @throws {StompFrameError} on a malformed frame or an exceeded limit; the decoder then stays halted.
   */
  push(chunk: Buffer): void {
    if (this.halted) throw this.halted;
    try {
      this.decode(chunk);
    } catch (error) {
      if (error instanceof StompFrameError) {
        this.halted = error;
        this.clearPending();
        this.clearBody();
      }
      throw error;
    } finally {
      // Frames keep slices of the window; the decoder must not keep the read alive as well.
      this.windowOf = null;
      this.windowText = undefined;
    }
  }

  private decode(chunk: Buffer): void {
    let buf = chunk;
    let pos = 0;
    if (this.state === State.Body) {
      const rest = this.continueBody(chunk);
      if (rest === null) return;
      buf = rest;
    } else if (this.pendingBytes > 0) {
      if (this.pending[0][0] === CR) {
        // A heart-beat CR held at the end of the last chunk (skipHeartbeats holds nothing else that starts with CR).
        if (chunk.length === 0) return;
        if (chunk[0] !== LF) throw crWithoutLf();
        this.clearPending();
        this.sink.onHeartbeat();
        pos = 1;
      } else {
        // Only the missing end of the head is joined to the held part, never the whole chunk:
        // a frame head split by a 64 KB chunk boundary costs a copy of the head, not of the chunk.
        pos = this.resumeHead(chunk);
        if (pos < 0) return;
      }
    }
    while (pos < buf.length) {
      pos = this.skipHeartbeats(buf, pos);
      if (pos >= buf.length) return;
      const bodyStart = this.readHead(buf, pos);
      if (bodyStart < 0) {
        this.keepPartialHead(buf, pos);
        return;
      }
      pos = this.readBody(buf, bodyStart);
      if (pos < 0) return;
    }
  }

  /**
   * Continues a held header section with `chunk`: when the chunk completes it, parses the head
   * (held bytes plus the chunk's part of it) and reads the body from the chunk. Returns where the
   * next frame starts in `chunk`, or -1 when the chunk is used up (held, or inside the body).
   */
  private resumeHead(chunk: Buffer): number {
    const bodyStart = this.headEndAcross(chunk);
    if (bodyStart < 0) {
      this.holdPartialHead(chunk);
      return -1;
    }
    if (this.pendingBytes + bodyStart > this.maxHeaderBytes) throw this.headerTooLarge();
    this.pending.push(chunk.subarray(0, bodyStart));
    const head = Buffer.concat(this.pending, this.pendingBytes + bodyStart);
    this.clearPending();
    if (this.readHead(head, 0) !== head.length) {
      // Unreachable: the blank line found across the seam is the first one of the joined head.
      throw new StompFrameError('internal error: header section boundary mismatch');
    }
    return this.readBody(chunk, bodyStart);
  }

  /**
   * Where the body starts in `chunk` when it ends the held header section (the first blank line of
   * held bytes + chunk ends in it), or -1. The held bytes hold no blank line of their own.
   */
  private headEndAcross(chunk: Buffer): number {
    const tail: number[] = [];
    for (let i = this.pending.length - 1; i >= 0 && tail.length < 2; i--) {
      const part = this.pending[i];
      for (let j = part.length - 1; j >= 0 && tail.length < 2; j--) tail.unshift(part[j]);
    }
    const seam = Buffer.from([...tail, ...chunk.subarray(0, 2)]);
    const seamEnd = findHeadEnd(seam, 0, seam.length);
    // A blank line whose first LF is a held byte; one starting in the chunk is found below.
    if (seamEnd >= 0 && seamEnd - 1 < tail.length) return (seam[seamEnd] === CR ? seamEnd + 2 : seamEnd + 1) - tail.length;
    const end = findHeadEnd(chunk, 0, chunk.length);
    if (end < 0) return -1;
    return chunk[end] === CR ? end + 2 : end + 1;
  }

  /**
   * Consumes EOLs between frames; a lone CR at the end waits for the next chunk. A CR followed by
   * anything but LF is refused at once: no command starts with CR, and holding such a head until its
   * blank line would re-join it with every read (quadratic copying when it trickles in).
   */
  private skipHeartbeats(buf: Buffer, pos: number): number {
    while (pos < buf.length) {
      const byte = buf[pos];
      if (byte === LF) {
        pos += 1;
      } else if (byte !== CR) {
        return pos;
      } else if (pos + 1 === buf.length) {
        this.pending = [buf.subarray(pos)];
        this.pendingBytes = 1;
        return buf.length;
      } else if (buf[pos + 1] === LF) {
        pos += 2;
      } else {
        throw crWithoutLf();
      }
      this.sink.onHeartbeat();
    }
    return pos;
  }

  private keepPartialHead(buf: Buffer, pos: number): void {
    // A copy, so that a few bytes of a partial head do not pin the whole (possibly large) chunk.
    this.holdPartialHead(Buffer.from(buf.subarray(pos)));
  }

  private holdPartialHead(bytes: Buffer): void {
    // An unfinished section needs at least one more byte, so holding maxHeaderBytes already means too large.
    if (this.pendingBytes + bytes.length >= this.maxHeaderBytes) throw this.headerTooLarge();
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private headerTooLarge(): StompFrameError {
    return new StompFrameError(`header section exceeds ${this.maxHeaderBytes} bytes`, StompErrorCode.LimitExceeded, this.maxHeaderBytes);
  }

  /**
   * Parses the command and headers starting at `pos`; returns where the body starts, or -1 when the
   * header section is not complete yet.
   */
  private readHead(buf: Buffer, pos: number): number {
    const limit = Math.min(buf.length, pos + this.maxHeaderBytes);
    // Fast path: a buffer of ASCII without CR is searched as text. Walking the header lines to the
    // blank line finds the end of the section and checks the lines in one pass, and the section is a
    // slice of that text. Anything else takes the byte scan and decodes the section by itself: CRLF
    // lines (where LF CR LF may end the section), UTF-8, binary bodies, an unfinished or irregular section.
    const window = this.plainWindow(buf, pos);
    if (window !== undefined) {
      const base = this.windowStart;
      const at = pos - base;
      const stop = Math.min(limit, this.windowEnd) - base;
      const commandEnd = window.indexOf('\n', at);
      const end = commandEnd < 0 ? -1 : walkHeaderLines(window, commandEnd + 1, stop, this.maxHeaders);
      if (end >= 0 && end < stop && window.charCodeAt(end) === LF) {
        this.takeHead(window.slice(at, end), commandEnd - at, true);
        return base + end + 1;
      }
    }
    const end = findHeadEnd(buf, pos, limit);
    if (end < 0) return -1;
    const bodyStart = buf[end] === CR ? end + 2 : end + 1;
    // The whole section, blank line included, counts; the same limit applies however the bytes arrived.
    if (bodyStart - pos > this.maxHeaderBytes) throw this.headerTooLarge();
    const text = headText(buf, pos, end);
    this.takeHead(text, text.indexOf('\n'), false);
    return bodyStart;
  }

  /**
   * Takes in a header section: `text` up to its blank line, the command line ending at `commandEnd`;
   * `linesWalked` when {@link walkHeaderLines} already passed its lines.
   */
  private takeHead(text: string, commandEnd: number, linesWalked: boolean): void {
    const command = commandEnd > 0 && text.charCodeAt(commandEnd - 1) === CR ? text.slice(0, commandEnd - 1) : text.slice(0, commandEnd);
    this.command = command;
    if (!COMMANDS.has(command)) {
      throw new StompFrameError(`unknown command ${JSON.stringify(command.slice(0, 40))}`);
    }
    // A NUL ends a frame: one in a header section is a frame that lost its blank line and would
    // swallow the next frame into a header value (a single memchr over the section).
    if (text.indexOf('\0', commandEnd) >= 0) {
      throw new StompFrameError(`NUL in the header section of a ${command} frame (its blank line missing?)`);
    }
    const codec = headerCodec(this.version, command);
    const first = commandEnd + 1;
    const regular = linesWalked || walkHeaderLines(text, first, text.length, this.maxHeaders) >= 0;
    let contentLength = regular ? scanHeaderValues(text, first, codec.escapes) : IRREGULAR;
    if (contentLength === IRREGULAR) {
      // Something unusual (an error, most likely): the exact line-by-line parse decides what.
      contentLength = this.parseHeaderLines(text, first, command, codec.unescape);
    } else {
      // Regular lines: the frame parses them when first asked (header() finds one without parsing all).
      this.entries = undefined;
      this.head = text;
      this.headStart = first;
      this.unescape = codec.escapes === undefined ? undefined : codec.unescape;
    }
    this.bodyLength = this.parseContentLength(contentLength);
  }

  /**
   * `buf` from `windowStart` to `windowEnd` (which holds `pos`, with room for a usual header section
   * after it) as text, or undefined when that part holds a non-ASCII byte or a CR. One native check
   * and one copy per window of TEXT_WINDOW bytes replace a byte search, a check and a copy per frame
   * where frames are small; a window per frame where they are large costs no more than those did.
   */
  private plainWindow(buf: Buffer, pos: number): string | undefined {
    if (buf !== this.windowOf || pos < this.windowStart || (pos + HEAD_ROOM > this.windowEnd && this.windowEnd < buf.length)) {
      // After a body larger than a window the next frame is likely large too: a window for its head
      // only, not TEXT_WINDOW bytes (mostly its body) checked and copied into a string for nothing.
      const end = Math.min(buf.length, pos + (this.bodyLength > TEXT_WINDOW ? HEAD_ROOM : TEXT_WINDOW));
      const text = asciiText(buf, pos, end);
      this.windowOf = buf;
      this.windowStart = pos;
      this.windowEnd = end;
      this.windowText = text !== undefined && text.indexOf('\r') < 0 ? text : undefined;
    }
    return this.windowText;
  }

  /** Parses every header line, throwing at the first bad one; returns the first content-length. */
  private parseHeaderLines(text: string, first: number, command: string, unescape: (text: string) => string): string | undefined {
    const entries: HeaderEntry[] = [];
    const maxHeaders = this.maxHeaders;
    let contentLength: string | undefined;
    let lineEnd: number;
    for (let start = first; start < text.length; start = lineEnd + 1) {
      lineEnd = text.indexOf('\n', start);
      if (entries.length === maxHeaders) {
        throw new StompFrameError(`more than ${maxHeaders} headers`, StompErrorCode.LimitExceeded, maxHeaders);
      }
      const colon = text.indexOf(':', start);
      if (colon < 0 || colon > lineEnd) {
        throw new StompFrameError(`header line without ':' in ${command} frame`);
      }
      const valueEnd = lineEnd > colon + 1 && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
      const name = unescape(text.slice(start, colon));
      const value = unescape(text.slice(colon + 1, valueEnd));
      if (name.length === 0) throw new StompFrameError(`empty header name in ${command} frame`);
      if (contentLength === undefined && name === 'content-length') contentLength = value;
      entries.push([name, value]);
    }
    this.entries = entries;
    return contentLength;
  }

  private parseContentLength(value: string | undefined): number {
    if (value === undefined) return -1;
    // Digits read in a loop: a regular expression and Number() were 7 % of decoding a small frame.
    let length = value.length > 0 && value.length <= CONTENT_LENGTH_DIGITS_MAX ? 0 : NaN;
    for (let i = 0; i < value.length; i++) {
      const digit = value.charCodeAt(i) - 0x30;
      length = digit >= 0 && digit <= 9 ? length * 10 + digit : NaN;
    }
    if (Number.isNaN(length)) throw new StompFrameError(`invalid content-length ${JSON.stringify(value.slice(0, 40))}`);
    if (length > this.maxBodyBytes) throw this.bodyTooLarge();
    return length;
  }

  private bodyTooLarge(): StompFrameError {
    return new StompFrameError(`body exceeds ${this.maxBodyBytes} bytes`, StompErrorCode.LimitExceeded, this.maxBodyBytes);
  }

  /** Reads the body starting at `pos`; returns where the next frame starts, or -1 if more is needed. */
  private readBody(buf: Buffer, pos: number): number {
    if (this.bodyLength >= 0) {
      const nul = pos + this.bodyLength;
      if (nul < buf.length) {
        this.finishFrame(buf.subarray(pos, nul), buf[nul]);
        return nul + 1;
      }
    } else {
      const nul = buf.indexOf(NUL, pos);
      if (nul >= 0) {
        if (nul - pos > this.maxBodyBytes) throw this.bodyTooLarge();
        this.finishFrame(buf.subarray(pos, nul), NUL);
        return nul + 1;
      }
      if (buf.length - pos > this.maxBodyBytes) throw this.bodyTooLarge();
    }
    this.state = State.Body;
    if (this.bodyLength >= 0) {
      this.bodyBuffer = Buffer.allocUnsafe(this.bodyLength);
      this.bodyBytes = buf.copy(this.bodyBuffer, 0, pos);
    } else {
      this.bodyChunks = [buf.subarray(pos)];
      this.bodyBytes = buf.length - pos;
    }
    return -1;
  }

  /**
   * Adds `chunk` to a body that spans chunks. Returns the bytes after the finished frame, or null
   * when the body is still incomplete.
   */
  private continueBody(chunk: Buffer): Buffer | null {
    let end: number;
    let body: Buffer;
    if (this.bodyBuffer !== undefined) {
      // The NUL comes right after the body, so it may be this chunk's first byte.
      end = Math.min(chunk.length, this.bodyLength - this.bodyBytes);
      this.bodyBytes += chunk.copy(this.bodyBuffer, this.bodyBytes, 0, end);
      if (end === chunk.length) return null;
      body = this.bodyBuffer;
    } else {
      end = chunk.indexOf(NUL);
      if (end < 0) {
        if (this.bodyBytes + chunk.length > this.maxBodyBytes) throw this.bodyTooLarge();
        this.keepBodyChunk(chunk);
        return null;
      }
      if (this.bodyBytes + end > this.maxBodyBytes) throw this.bodyTooLarge();
      this.bodyChunks.push(chunk.subarray(0, end));
      body = Buffer.concat(this.bodyChunks, this.bodyBytes + end);
    }
    this.clearBody();
    this.state = State.Head;
    this.finishFrame(body, chunk[end]);
    return chunk.subarray(end + 1);
  }

  /**
   * Keeps a chunk of a body without content-length. Every Buffer kept costs over 100 bytes of heap
   * besides its bytes, so a body trickled in a byte a read would take over 100 times maxBodyBytes:
   * a run of SMALL_RUN small chunks is joined into one (a byte of a tiny read is copied a few times
   * at most; reads of SMALL_CHUNK or more are never copied).
   */
  private keepBodyChunk(chunk: Buffer): void {
    this.bodyChunks.push(chunk);
    this.bodyBytes += chunk.length;
    if (chunk.length >= SMALL_CHUNK) {
      this.smallChunks = 0;
    } else if (++this.smallChunks === SMALL_RUN) {
      this.bodyChunks.push(Buffer.concat(this.bodyChunks.splice(-SMALL_RUN)));
      // A joined run still smaller than SMALL_CHUNK starts the next run.
      this.smallChunks = this.bodyChunks[this.bodyChunks.length - 1].length < SMALL_CHUNK ? 1 : 0;
    }
  }

  private clearBody(): void {
    this.bodyBuffer = undefined;
    this.bodyChunks = [];
    this.smallChunks = 0;
    this.bodyBytes = 0;
  }

  private finishFrame(body: Buffer, terminator: number): void {
    if (terminator !== NUL) {
      throw new StompFrameError(`${this.command} frame body is not followed by NUL (content-length ${this.bodyLength} wrong?)`);
    }
    const frame =
      this.entries !== undefined ? new Frame(this.command, this.entries, body) : Frame.fromWire(this.command, this.head, this.headStart, this.unescape, body);
    this.entries = [];
    this.head = '';
    this.sink.onFrame(frame);
  }
}

function crWithoutLf(): StompFrameError {
  return new StompFrameError('unknown command: CR not followed by LF where a frame or heart-beat starts');
}

/**
 * The header section as one string (one native call; ASCII, the usual case, without UTF-8 decoding),
 * split afterwards with string searches: in valid UTF-8, LF, CR, ':' and '\\' only stand for themselves.
 */
function headText(buf: Buffer, pos: number, end: number): string {
  const text = asciiText(buf, pos, end);
  if (text !== undefined) return text;
  if (isUtf8(new Uint8Array(buf.buffer, buf.byteOffset + pos, end - pos))) return (buf as SliceableBuffer).utf8Slice(pos, end);
  throw new StompFrameError('header section is not valid UTF-8');
}

/** {@link scanHeaderValues} (or {@link walkHeaderLines}) found something the exact parse must look at. */
const IRREGULAR = null;

/**
 * Walks the header lines of `text` from `first` to the blank line that ends the section, or to `stop`,
 * checking without building strings that every line has a name and a ':' and that there are at most
 * `maxHeaders`: the checks of the exact parse, so lines that pass parse without error later. Returns
 * where the walk stopped (the blank line, or `stop`), or -1 at a line that breaks a rule or does not
 * end before `stop`.
 */
function walkHeaderLines(text: string, first: number, stop: number, maxHeaders: number): number {
  let count = 0;
  let start = first;
  while (start < stop && text.charCodeAt(start) !== LF) {
    const lineEnd = text.indexOf('\n', start);
    if (lineEnd < 0 || lineEnd >= stop || count === maxHeaders) return -1;
    count += 1;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon > lineEnd) return -1;
    start = lineEnd + 1;
  }
  return start;
}

/**
 * Checks the values of walked header lines: every backslash starts one of the `escapes` sequences
 * (none may occur without escaping). Returns the raw first content-length value (undefined when
 * there is none), or IRREGULAR for anything else, including a content-length with an escape.
 */
function scanHeaderValues(text: string, first: number, escapes: string | undefined): string | undefined | typeof IRREGULAR {
  if (escapes !== undefined) {
    for (let at = text.indexOf('\\', first); at >= 0; at = text.indexOf('\\', at + 2)) {
      if (!isEscapeChar(text.charCodeAt(at + 1), escapes)) return IRREGULAR;
    }
  }
  // One search for the line, not a comparison at every line: `startsWith` was a tenth of the decoder's time.
  const at = text.indexOf(CONTENT_LENGTH_LINE, first - 1);
  if (at < 0) return undefined;
  const from = at + CONTENT_LENGTH_LINE.length;
  const end = text.indexOf('\n', from);
  const contentLength = text.slice(from, end > from && text.charCodeAt(end - 1) === CR ? end - 1 : end);
  return escapes !== undefined && contentLength.includes('\\') ? IRREGULAR : contentLength;
}

/** The first line of the section named content-length (a name with nothing to escape). */
const CONTENT_LENGTH_LINE = '\ncontent-length:';

/** Whether `code` (NaN past the end) may follow a backslash; a loop the JIT inlines, where `includes` was a call per escape. */
function isEscapeChar(code: number, escapes: string): boolean {
  for (let i = 0; i < escapes.length; i++) if (escapes.charCodeAt(i) === code) return true;
  return false;
}

/** Index of the blank line that ends the header section (LF LF or LF CR LF), at its first byte. */
function findHeadEnd(buf: Buffer, from: number, limit: number): number {
  let lf = buf.indexOf(LF, from);
  while (lf >= 0 && lf + 1 < limit) {
    const next = buf[lf + 1];
    if (next === LF) return lf + 1;
    if (next === CR) {
      if (lf + 2 >= buf.length) return -1;
      if (buf[lf + 2] === LF) return lf + 1;
    }
    lf = buf.indexOf(LF, lf + 1);
  }
  return -1;
}
