import { StompErrorCode, StompFrameError } from './errors';

/** A STOMP protocol version. */
export type StompVersion = '1.0' | '1.1' | '1.2';

/** Every version this library speaks, oldest first. */
export const STOMP_VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

/** The versions to offer in `accept-version` when asking for `version`: it and every older one. */
export function acceptedVersions(version: StompVersion): StompVersion[] {
  return STOMP_VERSIONS.slice(0, STOMP_VERSIONS.indexOf(version) + 1);
}

/** Commands whose headers are never escaped, whatever the version (spec 1.2, "Value Encoding"). */
const UNESCAPED_COMMANDS = new Set(['CONNECT', 'STOMP', 'CONNECTED']);

/** How header names and values are written and read for one version and command. */
export interface HeaderCodec {
  /** The wire form of a header name; throws when this version cannot carry it. */
  escapeName(name: string): string;
  /** The wire form of a header value; throws when this version cannot carry it. */
  escapeValue(value: string, name: string): string;
  /** Text from a wire header name or value; throws on an undefined escape sequence. */
  unescape(text: string): string;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', ':': '\\c', '\r': '\\r' };
const UNESCAPES_11: Record<string, string> = { '\\\\': '\\', '\\n': '\n', '\\c': ':' };
const UNESCAPES_12: Record<string, string> = { ...UNESCAPES_11, '\\r': '\r' };

function unencodable(what: string, reason: string): StompFrameError {
  return new StompFrameError(`${what} ${reason}`, StompErrorCode.Unencodable);
}

function checkName(name: string): void {
  if (name.length === 0) throw unencodable('a header name', 'is empty');
}

/**
 * Escaping codec of 1.1 (`\\ \n \c`) and 1.2 (also `\r`). What the version cannot escape is refused:
 * NUL always, and CR on 1.1, where a reader would take a trailing CR for part of the line end.
 */
function escapingCodec(special: RegExp, specialAll: RegExp, refused: RegExp, unescapes: Record<string, string>): HeaderCodec {
  const escape = (text: string, what: string): string => {
    if (refused.test(text)) throw unencodable(what, `contains ${text.includes('\0') ? 'NUL' : 'CR'}, which this STOMP version cannot carry`);
    return special.test(text) ? text.replace(specialAll, (c) => ESCAPES[c]) : text;
  };
  return {
    escapeName(name) {
      checkName(name);
      return escape(name, `header name ${JSON.stringify(name)}`);
    },
    escapeValue: (value, name) => escape(value, `the value of header ${JSON.stringify(name)}`),
    unescape(text) {
      if (!text.includes('\\')) return text;
      return text.replace(/\\(.?)/gs, (seq) => {
        const plain = unescapes[seq];
        if (plain === undefined) {
          throw new StompFrameError(`undefined escape sequence ${JSON.stringify(seq)} in header text ${JSON.stringify(text)}`);
        }
        return plain;
      });
    },
  };
}

/**
 * Raw headers (STOMP 1.0, and CONNECT/CONNECTED on every version): nothing is escaped, so a name or
 * value that would end the line early, or a name containing ':', is refused rather than sent broken.
 */
const RAW: HeaderCodec = {
  escapeName(name) {
    checkName(name);
    if (/[\r\n\0:]/.test(name)) throw unencodable(`header name ${JSON.stringify(name)}`, "contains ':', CR, LF or NUL, which cannot be sent unescaped (STOMP 1.0, CONNECT)");
    return name;
  },
  escapeValue(value, name) {
    if (/[\r\n\0]/.test(value)) throw unencodable(`the value of header ${JSON.stringify(name)}`, 'contains CR, LF or NUL, which cannot be sent unescaped (STOMP 1.0, CONNECT)');
    return value;
  },
  unescape: (text) => text,
};

const CODEC_11 = escapingCodec(/[\\\n:]/, /[\\\n:]/g, /[\0\r]/, UNESCAPES_11);
const CODEC_12 = escapingCodec(/[\\\n:\r]/, /[\\\n:\r]/g, /\0/, UNESCAPES_12);

/** The header codec for `command` on `version`. */
export function headerCodec(version: StompVersion, command: string): HeaderCodec {
  if (version === '1.0' || UNESCAPED_COMMANDS.has(command)) return RAW;
  return version === '1.1' ? CODEC_11 : CODEC_12;
}
