/** Rejects with a clear message when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A queue of values pushed by callbacks and taken by tests, each take with a deadline. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly takers: Array<(value: T) => void> = [];

  push = (value: T): void => {
    const taker = this.takers.shift();
    if (taker) taker(value);
    else this.items.push(value);
  };

  /** The next value, waiting up to `ms`. */
  next(ms = 10_000, what = 'the next value'): Promise<T> {
    const ready = this.items.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    let taker!: (value: T) => void;
    const taken = new Promise<T>((resolve) => this.takers.push((taker = resolve)));
    return within(taken, ms, what).catch((error: Error) => {
      // A late value must go to the next taker, not to this abandoned one.
      this.takers.splice(this.takers.indexOf(taker), 1);
      throw error;
    });
  }

  /** The next `count` values. */
  async take(count: number, ms = 10_000, what = 'values'): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next(ms, `${what} (${i + 1} of ${count})`));
    return out;
  }

  /** Values received and not yet taken. */
  get pending(): readonly T[] {
    return this.items;
  }
}

let counter = 0;

/** A destination-safe name unique to this run and call, so tests never share queues. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `nstest-${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
