import { STOMP_VERSIONS, negotiateHeartbeats, parseHeartbeatHeader, type HeartbeatIntervals, type StompVersion } from '../engine';

/**
 * The version a broker picks from a CONNECT's `accept-version`: the highest one both sides speak.
 * No header means a STOMP 1.0 client. Returns null when there is no common version.
 */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion | null {
  if (acceptVersion === undefined) return '1.0';
  const offered = new Set(acceptVersion.split(',').map((v) => v.trim()));
  for (let i = STOMP_VERSIONS.length - 1; i >= 0; i--) if (offered.has(STOMP_VERSIONS[i])) return STOMP_VERSIONS[i];
  return null;
}

/** What the broker answers in CONNECTED `heart-beat`, and the intervals that follow from it. */
export interface BrokerHeartbeats {
  /** `[sx, sy]`: the broker can send every sx ms, wants to receive every sy ms. */
  readonly advertised: readonly [number, number];
  /** From the broker's side: `sendMs` towards the client, `receiveMs` expected from it. */
  readonly intervals: HeartbeatIntervals;
}

/**
 * Heart-beats for a client's `heart-beat: cx,cy`. With `configured` the broker offers exactly that;
 * without, it offers what the client asked for (`cy,cx`), so every client gets the heart-beats it
 * wants, as RabbitMQ does.
 */
export function negotiateBrokerHeartbeats(configured: readonly [number, number] | undefined, clientHeader: string | undefined): BrokerHeartbeats {
  const [cx, cy] = parseHeartbeatHeader(clientHeader);
  const advertised = configured ?? ([cy, cx] as const);
  // The spec's rule is symmetric: seen from the broker, the client's header is the peer's.
  return { advertised, intervals: negotiateHeartbeats(advertised, clientHeader) };
}
