import { StompTimeoutError } from '../engine';

/**
 * `promise`, or a {@link StompTimeoutError} after `ms`. `operation` is asked for its text only on
 * timeout, so it can say how far things got.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, operation: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StompTimeoutError(operation(), ms)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
