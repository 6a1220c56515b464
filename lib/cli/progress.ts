import { formatRate } from './format';

/** Where progress goes: stderr, a bar when it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const BAR_WIDTH = 24;
const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 1000;

/**
 * Progress of a counted operation: on a terminal, a bar with the rate redrawn in place ten times a
 * second; elsewhere (a log, a CI job) a plain line every second, so logs stay readable. It only
 * draws when called, so it keeps no timer alive.
 */
export class Progress {
  private readonly startedAt: number;
  private lastDrawAt = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    /** Past tense of the operation, e.g. `sent`. */
    private readonly verb: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    // A bar shows up at once; a log gets its first line after one interval, not at message 1.
    if (!stream.isTTY) this.lastDrawAt = this.startedAt;
  }

  /** Reports that `done` of the total are done; draws when the interval has passed. */
  update(done: number): void {
    const at = this.now();
    if (at - this.lastDrawAt < (this.stream.isTTY ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
    this.lastDrawAt = at;
    const rate = formatRate(done, (at - this.startedAt) / 1000);
    const percent = Math.floor((100 * done) / this.total);
    if (this.stream.isTTY) {
      const filled = Math.round((BAR_WIDTH * done) / this.total);
      this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${this.total} ${percent}% ${rate} msg/s\x1b[K`);
      this.drawn = true;
    } else if (done < this.total) {
      this.stream.write(`${this.verb} ${done}/${this.total} (${percent}%), ${rate} msg/s\n`);
    }
  }

  /** Clears the bar, leaving the terminal line for the summary. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
