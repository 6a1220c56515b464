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

describe('bindHostPort', () => {
  // Node refused these only when each socket opened: every reconnect attempt failed alike, forever with RECONNECT_FOREVER.
  it.each<[string, unknown]>([
    ['a host name, not an address', ['localhost', 0]],
    ['a port past 65535', ['127.0.0.1', 70000]],
    ['a negative port (Node ignored it)', ['127.0.0.1', -1]],
    ['a fractional port', ['127.0.0.1', 1.5]],
    ['no port', ['127.0.0.1']],
  ])('refuses %s', (_name, bindHostPort) => {
    expect(() => resolveOptions({ bindHostPort: bindHostPort as [string, number] })).toThrow(/option bindHostPort must be/);
  });

  it.each<[string, number]>([
    ['127.0.0.1', 0],
    ['::1', 65535],
  ])('accepts [%j, %j]', (address, port) => {
    expect(resolveOptions({ bindHostPort: [address, port] }).bindHostPort).toEqual([address, port]);
  });
});

describe('encoding', () => {
  it('refuses one Node does not know (every send() rejected with a TypeError, not a StompError)', () => {
    expect(() => resolveOptions({ encoding: 'bogus' as BufferEncoding })).toThrow(/option encoding must be an encoding Node knows/);
  });

  it.each<BufferEncoding>(['utf8', 'utf-8', 'latin1', 'utf16le'])('accepts %s', (encoding) => {
    expect(resolveOptions({ encoding }).encoding).toBe(encoding);
  });
});

describe('heartbeats', () => {
  it('refuses a number too large to be written as digits in the heart-beat header (1e21 went out as "1e+21")', () => {
    expect(() => resolveOptions({ heartbeats: [1e21, 0] })).toThrow(/option heartbeats must be/);
    expect(() => resolveOptions({ heartbeats: [0, 2 ** 53] })).toThrow(/option heartbeats must be/);
  });

  it('accepts the largest safe integer', () => {
    expect(resolveOptions({ heartbeats: [Number.MAX_SAFE_INTEGER, 0] }).heartbeats).toEqual([Number.MAX_SAFE_INTEGER, 0]);
  });
});
