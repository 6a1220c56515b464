import { StompUsageError } from '../../lib/engine/errors';
import { MAX_TIMER_SECONDS, resolveOptions } from '../../lib/engine/options';

describe('options past the longest timer Node allows (2^31 - 1 ms)', () => {
  // Node fires a longer timer after 1 ms: a connect given timeout 3e6 (35 days) timed out at once.
  it.each(['timeout', 'receiptTimeout'] as const)('%s above it is refused, naming the option and the limit', (name) => {
    expect(() => resolveOptions({ [name]: 3e6 })).toThrow(StompUsageError);
    expect(() => resolveOptions({ [name]: Infinity })).toThrow(new RegExp(`option ${name} must be at most ${MAX_TIMER_SECONDS} seconds`));
  });

  it.each(['timeout', 'receiptTimeout'] as const)('%s of exactly the limit is accepted', (name) => {
    expect(resolveOptions({ [name]: MAX_TIMER_SECONDS })[name]).toBe(MAX_TIMER_SECONDS);
  });
});
