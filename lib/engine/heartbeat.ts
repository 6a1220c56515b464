import { MAX_TIMER_MS } from './options';

/** Negotiated heart-beat intervals in milliseconds; 0 means none in that direction. */
export interface HeartbeatIntervals {
  /** How often we must send something. */
  readonly sendMs: number;
  /** How often the broker promised to send something. */
  readonly receiveMs: number;
}

/**
 * Applies the spec's rule to our `[cx, cy]` and the broker's `heart-beat: sx,sy`: we send every
 * max(cx, sy) unless either is 0, and expect data every max(sx, cy) unless either is 0.
 * @see https://stomp.github.io/stomp-specification-1.2.html#Heart-beating
 */
export function negotiateHeartbeats(client: readonly [number, number], serverHeader: string | undefined): HeartbeatIntervals {
  const [sx, sy] = parseHeartbeatHeader(serverHeader);
  const [cx, cy] = client;
  return {
    sendMs: cx === 0 || sy === 0 ? 0 : Math.max(cx, sy),
    receiveMs: sx === 0 || cy === 0 ? 0 : Math.max(sx, cy),
  };
}

/** Reads `x,y`; anything malformed counts as no heart-beats, which is what a 1.0 broker means. */
export function parseHeartbeatHeader(header: string | undefined): [number, number] {
  const match = header === undefined ? null : /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(header);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

/** What the monitor needs from the connection it watches. */
export interface HeartbeatPeer {
  /** Time of the last byte written, from `performance.now()`. */
  lastWriteAt(): number;
  /** Time of the last byte read, from `performance.now()`. */
  lastReadAt(): number;
  /** Write one EOL. */
  sendHeartbeat(): void;
  /** Nothing arrived within the allowed time. */
  onTimeout(): void;
}

/**
 * Sends an EOL when we have been quiet for a send interval and reports a silent broker once nothing
 * has arrived for `receiveMs × scale`. Each timer is re-armed for the remaining time rather than
 * polled, so per-frame work stays one `performance.now()`.
 */
export class HeartbeatMonitor {
  private sendTimer?: NodeJS.Timeout;
  private receiveTimer?: NodeJS.Timeout;

  constructor(
    private readonly intervals: HeartbeatIntervals,
    private readonly receiveScale: number,
    private readonly peer: HeartbeatPeer,
  ) {}

  start(): void {
    // A second start() must not orphan the first timers, which stop() could then never clear.
    this.stop();
    if (this.intervals.sendMs > 0) this.armSend(this.intervals.sendMs);
    if (this.intervals.receiveMs > 0) this.armReceive(this.intervals.receiveMs * this.receiveScale);
  }

  stop(): void {
    clearTimeout(this.sendTimer);
    clearTimeout(this.receiveTimer);
    this.sendTimer = this.receiveTimer = undefined;
  }

  private armSend(delay: number): void {
    // An interval past the timer maximum (a broker may ask for any number) is waited out in parts.
    const timer = setTimeout(() => {
      const idle = performance.now() - this.peer.lastWriteAt();
      if (idle >= this.intervals.sendMs) {
        this.peer.sendHeartbeat();
        // sendHeartbeat may have stopped (or restarted) the monitor: a failed write closes the connection.
        if (this.sendTimer === timer) this.armSend(this.intervals.sendMs);
      } else {
        this.armSend(this.intervals.sendMs - idle);
      }
    }, Math.min(delay, MAX_TIMER_MS));
    this.sendTimer = timer;
    timer.unref();
  }

  private armReceive(delay: number): void {
    const allowed = this.intervals.receiveMs * this.receiveScale;
    this.receiveTimer = setTimeout(() => {
      const silent = performance.now() - this.peer.lastReadAt();
      if (silent >= allowed) {
        this.stop();
        this.peer.onTimeout();
      } else {
        this.armReceive(allowed - silent);
      }
    }, Math.min(delay, MAX_TIMER_MS));
    this.receiveTimer.unref();
  }
}
