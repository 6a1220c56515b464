import type { AckMode, HeaderEntry, StompVersion } from '../engine';
import { STOMP_VERSIONS } from '../engine';
import { CliUsageError } from './errors';

/** A whole number >= `min` (and <= `max`, when given) given to option `--name`. */
export function wholeNumber(name: string, text: string, min = 1, max?: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
    throw new CliUsageError(`--${name} must be a whole number ${range}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A positive number of seconds (fractions allowed) given to option `--name`. */
export function seconds(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new CliUsageError(`--${name} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  return value;
}

/** `-H name:value`; the value may itself contain colons (a URL, a selector). */
export function header(text: string): HeaderEntry {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new CliUsageError(`header ${JSON.stringify(text)} is not NAME:VALUE`);
  return [text.slice(0, colon), text.slice(colon + 1)];
}

/**
 * The `-H` values of `command`, refusing a header it writes itself: a broker reads only the first of
 * two (a second `destination` or `ack` would be ignored), and a second `receipt` is answered where
 * nothing waits for it while the command waits out its own.
 */
export function extraHeaders(texts: readonly string[], command: string, own: readonly string[]): HeaderEntry[] {
  return texts.map((text) => {
    const entry = header(text);
    if (own.includes(entry[0])) throw new CliUsageError(`header ${JSON.stringify(entry[0])} is one ${command} sets itself`);
    return entry;
  });
}

/** `--heartbeats cx,cy` in milliseconds. */
export function heartbeats(text: string): [number, number] {
  const parts = text.split(',');
  if (parts.length !== 2 || !parts.every((p) => /^\d+$/.test(p.trim()))) {
    throw new CliUsageError(`--heartbeats must be two whole numbers of milliseconds, cx,cy (e.g. 10000,10000), got ${JSON.stringify(text)}`);
  }
  return [Number(parts[0]), Number(parts[1])];
}

/** `--version 1.0|1.1|1.2`. */
export function stompVersion(text: string): StompVersion {
  if (!(STOMP_VERSIONS as readonly string[]).includes(text)) throw new CliUsageError(`--version must be one of ${STOMP_VERSIONS.join(', ')}, got ${JSON.stringify(text)}`);
  return text as StompVersion;
}

const ACK_MODES: readonly AckMode[] = ['auto', 'client', 'client-individual'];

/** `--ack auto|client|client-individual`. */
export function ackMode(text: string): AckMode {
  if (!(ACK_MODES as readonly string[]).includes(text)) throw new CliUsageError(`--ack must be one of ${ACK_MODES.join(', ')}, got ${JSON.stringify(text)}`);
  return text as AckMode;
}
