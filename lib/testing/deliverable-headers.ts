import { headerCodec, type HeaderEntry, type StompVersion } from '../engine';

/**
 * A sender's headers as the receiver's version can carry them in a MESSAGE. A value sent on
 * 1.1/1.2 may hold LF or CR, which 1.0 cannot carry raw: like RabbitMQ, the broker then sends it
 * escaped the 1.2 way. A header no version can carry to this receiver (CR on 1.1, NUL anywhere) is
 * left out, rather than the whole message lost.
 */
export function deliverableHeaders(version: StompVersion, entries: readonly HeaderEntry[]): HeaderEntry[] {
  const codec = headerCodec(version, 'MESSAGE');
  const out: HeaderEntry[] = [];
  for (const entry of entries) {
    if (carries(codec, entry)) {
      out.push(entry);
    } else if (version === '1.0') {
      const escaped = escaped12(entry);
      if (escaped !== null && carries(codec, escaped)) out.push(escaped);
    }
  }
  return out;
}

/**
 * A MESSAGE `destination` the receiver's version can carry. A 1.2 sender may name a topic with LF
 * or CR in it, which a 1.0 wildcard subscriber (or, for CR, a 1.1 one) cannot be sent; the broker
 * then percent-encodes them, as RabbitMQ does, rather than fail the delivery.
 */
export function deliverableDestination(version: StompVersion, destination: string): string {
  if (canDeliver(version, ['destination', destination])) return destination;
  return destination.replace(/[\r\n]/g, (c) => (c === '\r' ? '%0D' : '%0A'));
}

/** Whether a MESSAGE to a receiver of `version` can carry this header as it is. */
export function canDeliver(version: StompVersion, entry: HeaderEntry): boolean {
  return carries(headerCodec(version, 'MESSAGE'), entry);
}

function carries(codec: ReturnType<typeof headerCodec>, [name, value]: HeaderEntry): boolean {
  try {
    codec.escapeName(name);
    codec.escapeValue(value, name);
    return true;
  } catch {
    return false;
  }
}

function escaped12([name, value]: HeaderEntry): HeaderEntry | null {
  const codec = headerCodec('1.2', 'MESSAGE');
  try {
    return [codec.escapeName(name), codec.escapeValue(value, name)];
  } catch {
    return null;
  }
}
