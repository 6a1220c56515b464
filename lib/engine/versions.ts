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
  /** The characters that may follow a backslash on the wire (`\\nc` on 1.1); undefined when nothing is escaped. */
  readonly escapes?: string;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', ':': '\\c', '\r': '\\r' };
// Null-prototype maps: a lookup never reaches Object.prototype.
const UNESCAPES_11: Record<string, string> = Object.assign(Object.create(null), { '\\\\': '\\', '\\n': '\n', '\\c': ':' });
const UNESCAPES_12: Record<string, string> = Object.assign(Object.create(null), UNESCAPES_11, { '\\r': '\r' });

function unencodable(what: string, reason: string): StompFrameError {
  return new StompFrameError(`${what} ${reason}`, StompErrorCode.Unencodable);
}

function checkName(name: string): void {
  if (name.length === 0) throw unencodable('a header name', 'is empty');
}

/**
 * Whether `text` holds none of the characters 1.1 or 1.2 escape or refuse (backslash, LF, ':', CR,
 * NUL). A loop the JIT inlines: most names and values are short and need nothing.
 */
function plain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x5c && (c === 0x5c || c === 0x3a || c === 0x0a || c === 0x0d || c === 0x00)) return false;
  }
  return true;
}

/** What escaping would have turned into an escape sequence, left raw by the sender (one native scan of the wire text). */
const RAW_SPECIAL = /[:\n\r\0]/;

/**
 * Escaping codec of 1.1 (`\\ \n \c`) and 1.2 (also `\r`). What the version cannot escape is refused:
 * NUL always, and CR on 1.1, where a reader would take a trailing CR for part of the line end.
 */
function escapingCodec(special: RegExp, specialAll: RegExp, refused: RegExp, unescapes: Record<string, string>): HeaderCodec {
  const escapes = Object.keys(unescapes)
    .map((seq) => seq[1])
    .join('');
  // Most names and values need nothing: plain() decides that, and the description for an error is
  // only built when there is one.
  const escape = (text: string, what: () => string): string => {
    if (refused.test(text)) throw unencodable(what(), `contains ${text.includes('\0') ? 'NUL' : 'CR'}, which this STOMP version cannot carry`);
    return special.test(text) ? text.replace(specialAll, (c) => ESCAPES[c]) : text;
  };
  /** What each escape sequence stands for, by the code of its second character. */
  const byCode: Array<string | undefined> = [];
  for (const seq of Object.keys(unescapes)) byCode[seq.charCodeAt(1)] = unescapes[seq];
  let lastEscaped = '';
  let lastUnescaped = '';
  /** Whether lastEscaped is exactly what escaping lastUnescaped gives (the sender left nothing raw). */
  let lastCanonical = false;
  return {
    escapes,
    escapeName(name) {
      checkName(name);
      return plain(name) ? name : escape(name, () => `header name ${JSON.stringify(name)}`);
    },
    // The ACK of an ActiveMQ message carries the id just unescaped from it: its wire form is known.
    escapeValue: (value, name) =>
      plain(value) ? value : value === lastUnescaped && lastCanonical ? lastEscaped : escape(value, () => `the value of header ${JSON.stringify(name)}`),
    unescape(text) {
      let at = text.indexOf('\\');
      if (at < 0) return text;
      // The last result is kept: a header read again, and the ACK that escapes the id back, need no second pass.
      if (text === lastEscaped) return lastUnescaped;
      // A loop, not a regex with a callback (or replaceAll): 3-5x faster on such ids.
      let out = '';
      let from = 0;
      while (at >= 0) {
        // By character code: looking up the two-character sequence as a key cost a string per escape.
        const replacement = byCode[text.charCodeAt(at + 1)];
        if (replacement === undefined) {
          throw new StompFrameError(`undefined escape sequence ${JSON.stringify(text.slice(at, at + 2))} in header text ${JSON.stringify(text)}`);
        }
        out += text.slice(from, at) + replacement;
        from = at + 2;
        at = text.indexOf('\\', from);
      }
      lastEscaped = text;
      lastUnescaped = out + text.slice(from);
      // Every backslash starts an escape, so the text is canonical when nothing else in it is special.
      lastCanonical = !RAW_SPECIAL.test(text);
      return lastUnescaped;
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
