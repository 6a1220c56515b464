import { TextDecoder } from 'node:util';
import type { Frame } from '../engine';

const HEX_PREVIEW_BYTES = 32;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A received frame as a person reads it: the command line, `name:value` headers, a blank line and
 * the body as {@link formatBody} shows it.
 */
export function formatFrame(frame: Frame): string {
  const headers = frame.entries.map(([name, value]) => `${printable(name)}:${printable(value)}\n`).join('');
  return `${frame.command}\n${headers}\n${formatBody(frame.body, frame.header('content-type'))}`;
}

/**
 * A body for the terminal: JSON pretty-printed (by content type, or because it parses as an object
 * or array), text as is, and anything that is not clean UTF-8 text as its length and first bytes
 * in hex, so a binary body cannot garble the terminal.
 */
export function formatBody(body: Buffer, contentType?: string): string {
  const text = asText(body);
  if (text === undefined) return binarySummary(body);
  const json = isJsonType(contentType) || /^\s*[[{]/.test(text) ? parseJson(text, isJsonType(contentType)) : undefined;
  return json === undefined ? text : JSON.stringify(json, null, 2);
}

function asText(body: Buffer): string | undefined {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return undefined;
  }
  // Tabs and line ends are text; other control characters (NUL, ESC…) are not for a terminal.
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}

function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType);
}

/** The parsed value; without a JSON content type only an object or array counts (`42` stays text). */
function parseJson(text: string, declared: boolean): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return declared || (typeof value === 'object' && value !== null) ? value : undefined;
  } catch {
    return undefined;
  }
}

function binarySummary(body: Buffer): string {
  const shown = [...body.subarray(0, HEX_PREVIEW_BYTES)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const more = body.length > HEX_PREVIEW_BYTES ? ' …' : '';
  return `[binary, ${body.length} bytes: ${shown}${more}]`;
}

/** Control characters of a header shown as escapes, so one header stays one line. */
function printable(text: string): string {
  return /[\x00-\x1f\x7f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** `sent 500 messages in 0.214 s (2336 msg/s)`: the one line `send --count` and `bench` print. */
export function throughputLine(verb: string, count: number, seconds: number): string {
  return `${verb} ${count} ${count === 1 ? 'message' : 'messages'} in ${formatSeconds(seconds)} s (${formatRate(count, seconds)} msg/s)`;
}

/** Seconds with millisecond precision below one second, centiseconds above. */
export function formatSeconds(seconds: number): string {
  return seconds.toFixed(seconds < 1 ? 3 : 2);
}

/** Messages per second, whole. */
export function formatRate(count: number, seconds: number): string {
  return String(Math.round(count / Math.max(seconds, 1e-6)));
}

/** An error as the single stderr line: whitespace (a broker's multi-line ERROR body) folded. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The line every failure ends with on stderr. */
export function errorLine(message: string): string {
  return `nestjs-stomp: ${oneLine(message)}\n`;
}
