import { isUtf8 } from 'node:buffer';
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
   * Largest body, in bytes.
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

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const CONTENT_LENGTH = /^[0-9]{1,15}$/;

const enum State {
  Head,
  Body,
}

/**
 * Incremental STOMP frame decoder: feed it socket chunks split anywhere, it hands out frames and
 * heart-beats. Header sections are scanned in place; a body that spans chunks is gathered as a list
 * and joined once. Every limit is checked before bytes are kept, so memory stays bounded.
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
  private entries: HeaderEntry[] = [];
  /** Body length from `content-length`, or -1 to read up to the NUL. */
  private bodyLength = -1;
  private bodyChunks: Buffer[] = [];
  private bodyBytes = 0;
  private halted: StompFrameError | null = null;

  constructor(
    private readonly sink: DecoderSink,
    limits: DecoderLimits = {},
    /** Version whose escaping applies; {@link FrameDecoder.setVersion} changes it after CONNECTED. */
    private version: StompVersion = '1.0',
  ) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxHeaders = limits.maxHeaders ?? DEFAULT_MAX_HEADERS;
    this.maxBodyBytes = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Switches header unescaping to the negotiated version. */
  setVersion(version: StompVersion): void {
    this.version = version;
  }

  /** Drops any partial frame, e.g. when the socket is replaced. */
  reset(): void {
    this.state = State.Head;
    this.clearPending();
    this.bodyChunks = [];
    this.bodyBytes = 0;
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
        this.bodyChunks = [];
      }
      throw error;
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
      if (!this.mayEndHead(chunk)) return this.holdPartialHead(chunk);
      buf = Buffer.concat([...this.pending, chunk]);
      this.clearPending();
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

  /** Consumes EOLs between frames; a lone CR at the end waits for the next chunk. */
  private skipHeartbeats(buf: Buffer, pos: number): number {
    while (pos < buf.length) {
      const byte = buf[pos];
      if (byte === LF) {
        pos += 1;
      } else if (byte === CR && pos + 1 < buf.length && buf[pos + 1] === LF) {
        pos += 2;
      } else if (byte === CR && pos + 1 === buf.length) {
        this.pending = [buf.subarray(pos)];
        this.pendingBytes = 1;
        return buf.length;
      } else {
        return pos;
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

  /**
   * Whether `chunk` may complete the held header section: it holds a blank line itself, or one
   * straddles the boundary. A held heart-beat CR is always joined, to report it without delay.
   */
  private mayEndHead(chunk: Buffer): boolean {
    if (this.pending[0][0] === CR) return true;
    if (findHeadEnd(chunk, 0, chunk.length) >= 0) return true;
    const tail: number[] = [];
    for (let i = this.pending.length - 1; i >= 0 && tail.length < 2; i--) {
      const part = this.pending[i];
      for (let j = part.length - 1; j >= 0 && tail.length < 2; j--) tail.unshift(part[j]);
    }
    const seam = Buffer.from([...tail, ...chunk.subarray(0, 2)]);
    return findHeadEnd(seam, 0, seam.length) >= 0;
  }

  private headerTooLarge(): StompFrameError {
    return new StompFrameError(`header section exceeds ${this.maxHeaderBytes} bytes`, StompErrorCode.LimitExceeded, this.maxHeaderBytes);
  }

  /**
   * Parses the command and headers starting at `pos`; returns where the body starts, or -1 when the
   * header section is not complete yet.
   */
  private readHead(buf: Buffer, pos: number): number {
    const end = findHeadEnd(buf, pos, Math.min(buf.length, pos + this.maxHeaderBytes));
    if (end < 0) return -1;
    const bodyStart = buf[end] === CR ? end + 2 : end + 1;
    // The whole section, blank line included, counts; the same limit applies however the bytes arrived.
    if (bodyStart - pos > this.maxHeaderBytes) throw this.headerTooLarge();
    if (!isUtf8(buf.subarray(pos, end))) {
      throw new StompFrameError('header section is not valid UTF-8');
    }
    let lineEnd = buf.indexOf(LF, pos);
    this.command = trimCR(buf, pos, lineEnd);
    if (!COMMANDS.has(this.command)) {
      throw new StompFrameError(`unknown command ${JSON.stringify(this.command.slice(0, 40))}`);
    }
    const codec = headerCodec(this.version, this.command);
    const entries: HeaderEntry[] = [];
    let contentLength: string | undefined;
    for (let start = lineEnd + 1; start < end; start = lineEnd + 1) {
      lineEnd = buf.indexOf(LF, start);
      if (entries.length === this.maxHeaders) {
        throw new StompFrameError(`more than ${this.maxHeaders} headers`, StompErrorCode.LimitExceeded, this.maxHeaders);
      }
      const colon = buf.indexOf(COLON, start);
      if (colon < 0 || colon > lineEnd) {
        throw new StompFrameError(`header line without ':' in ${this.command} frame`);
      }
      const name = codec.unescape(buf.toString('utf8', start, colon));
      const value = codec.unescape(trimCR(buf, colon + 1, lineEnd));
      if (name.length === 0) throw new StompFrameError(`empty header name in ${this.command} frame`);
      if (name === 'content-length' && contentLength === undefined) contentLength = value;
      entries.push([name, value]);
    }
    this.entries = entries;
    this.bodyLength = this.parseContentLength(contentLength);
    return bodyStart;
  }

  private parseContentLength(value: string | undefined): number {
    if (value === undefined) return -1;
    if (!CONTENT_LENGTH.test(value)) {
      throw new StompFrameError(`invalid content-length ${JSON.stringify(value.slice(0, 40))}`);
    }
    const length = Number(value);
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
    this.bodyChunks = [buf.subarray(pos)];
    this.bodyBytes = buf.length - pos;
    return -1;
  }

  /**
   * Adds `chunk` to a body that spans chunks. Returns the bytes after the finished frame, or null
   * when the body is still incomplete.
   */
  private continueBody(chunk: Buffer): Buffer | null {
    let end: number;
    if (this.bodyLength >= 0) {
      const needed = this.bodyLength + 1 - this.bodyBytes;
      if (chunk.length < needed) return this.keepBodyChunk(chunk);
      end = needed - 1;
    } else {
      end = chunk.indexOf(NUL);
      if (end < 0) {
        if (this.bodyBytes + chunk.length > this.maxBodyBytes) throw this.bodyTooLarge();
        return this.keepBodyChunk(chunk);
      }
      if (this.bodyBytes + end > this.maxBodyBytes) throw this.bodyTooLarge();
    }
    this.bodyChunks.push(chunk.subarray(0, end));
    const body = Buffer.concat(this.bodyChunks, this.bodyBytes + end);
    this.bodyChunks = [];
    this.bodyBytes = 0;
    this.state = State.Head;
    this.finishFrame(body, chunk[end]);
    return chunk.subarray(end + 1);
  }

  private keepBodyChunk(chunk: Buffer): null {
    this.bodyChunks.push(chunk);
    this.bodyBytes += chunk.length;
    return null;
  }

  private finishFrame(body: Buffer, terminator: number): void {
    if (terminator !== NUL) {
      throw new StompFrameError(`${this.command} frame body is not followed by NUL (content-length ${this.bodyLength} wrong?)`);
    }
    const frame = new Frame(this.command, this.entries, body);
    this.entries = [];
    this.sink.onFrame(frame);
  }
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

function trimCR(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end > start && buf[end - 1] === CR ? end - 1 : end);
}
