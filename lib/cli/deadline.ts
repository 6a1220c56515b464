import { StompTimeoutError } from '../engine';

/**
 * A wait limited to `ms`, which {@link Deadline.restart} pushes back: a stream of answers may take
 * as long as it likes in all, as long as each answer comes within `ms` of the one before.
 * `operation` is asked for its text only on timeout, so it can say how far things got.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private expire!: (error: StompTimeoutError) => void;
  private readonly expired = new Promise<never>((_, reject) => (this.expire = reject));

  constructor(
    private readonly ms: number,
    private readonly operation: () => string,
  ) {
    // Nobody may be racing when it expires (between restart and race): not an unhandled rejection.
    this.expired.catch(() => undefined);
    this.restart();
  }

  /** Starts the `ms` over from now. */
  restart(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(new StompTimeoutError(this.operation(), this.ms)), this.ms);
  }

  /** `promise`, or a {@link StompTimeoutError} once the deadline passes; the timer ends either way. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.expired]).finally(() => clearTimeout(this.timer));
  }
}

/** `promise`, or a {@link StompTimeoutError} after `ms` (see {@link Deadline}). */
export function withDeadline<T>(promise: Promise<T>, ms: number, operation: () => string): Promise<T> {
  return new Deadline(ms, operation).race(promise);
}
