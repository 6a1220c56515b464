import type { NetworkInterfaceInfo } from 'node:os';
import { DEFAULT_STOMP_PORT, formatEndpoint, orderEndpoints, parseEndpoint, type Endpoint, type HostAndPort } from '../../lib/engine/endpoints';
import { StompErrorCode, StompUsageError } from '../../lib/engine/errors';

// Which hosts count as "this machine" must not depend on where the tests run.
jest.mock('node:os', () => {
  const address = (a: string, family: 'IPv4' | 'IPv6'): Partial<NetworkInterfaceInfo> => ({ address: a, family, internal: a === '127.0.0.1' || a === '::1' });
  return {
    ...jest.requireActual<object>('node:os'),
    hostname: () => 'broker-box',
    networkInterfaces: () => ({
      lo: [address('127.0.0.1', 'IPv4'), address('::1', 'IPv6')],
      eth0: [address('10.1.2.3', 'IPv4'), address('fe80::1', 'IPv6')],
      down: undefined,
    }),
  };
});

describe('parseEndpoint', () => {
  const VALID: Array<[HostAndPort, Endpoint]> = [
    [['broker', 61613], { host: 'broker', port: 61613, tls: false }],
    [['broker', 1], { host: 'broker', port: 1, tls: false }],
    [['broker', 65535], { host: 'broker', port: 65535, tls: false }],
    [['::1', 61613], { host: '::1', port: 61613, tls: false }],
    [['2001:db8::7', 61614], { host: '2001:db8::7', port: 61614, tls: false }],
    ['stomp://broker:1234', { host: 'broker', port: 1234, tls: false, login: undefined, passcode: undefined }],
    ['stomp://broker', { host: 'broker', port: DEFAULT_STOMP_PORT, tls: false, login: undefined, passcode: undefined }],
    ['stomp://broker:', { host: 'broker', port: DEFAULT_STOMP_PORT, tls: false, login: undefined, passcode: undefined }],
    ['STOMP://broker:61613', { host: 'broker', port: 61613, tls: false, login: undefined, passcode: undefined }],
    ['tcp://broker:61613', { host: 'broker', port: 61613, tls: false, login: undefined, passcode: undefined }],
    ['stomp+ssl://broker:61614', { host: 'broker', port: 61614, tls: true, login: undefined, passcode: undefined }],
    ['stomp+tls://broker', { host: 'broker', port: DEFAULT_STOMP_PORT, tls: true, login: undefined, passcode: undefined }],
    ['ssl://broker:61617', { host: 'broker', port: 61617, tls: true, login: undefined, passcode: undefined }],
    ['stomp://[::1]:61613', { host: '::1', port: 61613, tls: false, login: undefined, passcode: undefined }],
    ['stomp://[2001:db8::1]', { host: '2001:db8::1', port: DEFAULT_STOMP_PORT, tls: false, login: undefined, passcode: undefined }],
    ['stomp+ssl://[::1]:61614', { host: '::1', port: 61614, tls: true, login: undefined, passcode: undefined }],
    ['stomp://guest:guest@broker', { host: 'broker', port: DEFAULT_STOMP_PORT, tls: false, login: 'guest', passcode: 'guest' }],
    ['stomp://us%40er:p%40ss%3Aw%2Fd%20x@broker:1', { host: 'broker', port: 1, tls: false, login: 'us@er', passcode: 'p@ss:w/d x' }],
    ['stomp://us%C3%A9r:%F0%9F%98%80@broker', { host: 'broker', port: DEFAULT_STOMP_PORT, tls: false, login: 'usér', passcode: '😀' }],
    ['stomp://onlyuser@broker', { host: 'broker', port: DEFAULT_STOMP_PORT, tls: false, login: 'onlyuser', passcode: undefined }],
    ['stomp+ssl://u:p@[::1]:2', { host: '::1', port: 2, tls: true, login: 'u', passcode: 'p' }],
  ];

  it.each(VALID)('%j', (spec, expected) => {
    expect(parseEndpoint(spec)).toEqual(expected);
  });

  const INVALID: Array<[string, HostAndPort, RegExp]> = [
    ['http scheme', 'http://broker:80', /scheme http:/],
    ['amqp scheme', 'amqp://broker', /scheme amqp:/],
    ['host:port without a scheme', 'broker:61613', /scheme/],
    ['not a URL', 'not a url', /not a URL/],
    ['empty string', '', /not a URL/],
    ['port 0 in a URL', 'stomp://broker:0', /port 0/],
    ['port 65536 in a URL', 'stomp://broker:65536', /not a URL/],
    ['non-numeric port in a URL', 'stomp://broker:abc', /not a URL/],
    ['no host in a URL', 'stomp://:61613', /not a URL/],
    ['opaque stomp: URL', 'stomp:broker:61613', /no host/],
    ['malformed percent-encoding in the login', 'stomp://us%ZZ:p@broker', /percent-encoding/],
    ['malformed percent-encoding in the passcode', 'stomp://u:%E0%A4%A@broker', /percent-encoding/],
    ['tuple port 0', ['broker', 0], /port 0/],
    ['tuple port 65536', ['broker', 65536], /port 65536/],
    ['tuple port -1', ['broker', -1], /port -1/],
    ['tuple port 1.5', ['broker', 1.5], /port 1.5/],
    ['tuple port NaN', ['broker', NaN], /port NaN/],
    ['tuple port as text', ['broker', '61613' as unknown as number], /port 61613/],
    ['tuple without host', ['', 61613], /no host/],
  ];

  it.each(INVALID)('refuses %s with StompUsageError', (_name, spec, message) => {
    let error: unknown;
    try {
      parseEndpoint(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StompUsageError);
    expect((error as StompUsageError).code).toBe(StompErrorCode.InvalidArgument);
    expect((error as StompUsageError).message).toMatch(message);
  });

  it.each(['stomp://user:s3cret@broker:99999', 'stomp://user:s3c@ret@broker:99999', 'stomp://user:s3c/ret@broker', 'stomp://user:s3cret%ZZ@broker'])(
    'never puts the passcode of %s in the error message',
    (spec) => {
      expect(() => parseEndpoint(spec)).toThrow(StompUsageError);
      expect(() => parseEndpoint(spec)).not.toThrow(/s3c|ret/);
    },
  );
});

describe('formatEndpoint', () => {
  it.each<[string, number, string]>([
    ['broker', 61613, 'broker:61613'],
    ['10.0.0.1', 1, '10.0.0.1:1'],
    ['::1', 61613, '[::1]:61613'],
    ['2001:db8::1', 61614, '[2001:db8::1]:61614'],
  ])('%s %i → %s', (host, port, text) => {
    expect(formatEndpoint({ host, port })).toBe(text);
  });

  it('gives back what parseEndpoint reads, for IPv6 too', () => {
    for (const spec of ['stomp://broker:1', 'stomp://[::1]:61613', 'stomp://[2001:db8::1]:2']) {
      expect(`stomp://${formatEndpoint(parseEndpoint(spec))}`).toBe(spec);
    }
  });
});

describe('orderEndpoints (this machine: broker-box, 10.1.2.3, fe80::1, loopbacks)', () => {
  const e = (host: string, port = 61613, extra: Partial<Endpoint> = {}): Endpoint => ({ host, port, tls: false, ...extra });
  const names = (list: Endpoint[]): string[] => list.map(formatEndpoint);

  // [hosts, preferLocalhost, tryLoopbackConnect, expected order]
  const TABLE: Array<[string, Endpoint[], boolean, boolean, string[]]> = [
    ['nothing asked: order kept', [e('remote1'), e('broker-box'), e('remote2')], false, false, ['remote1:61613', 'broker-box:61613', 'remote2:61613']],
    [
      'preferLocalhost puts local hosts first, stable within each group',
      [e('remote1'), e('broker-box'), e('remote2'), e('10.1.2.3', 2), e('localhost', 3), e('remote3')],
      true,
      false,
      ['broker-box:61613', '10.1.2.3:2', 'localhost:3', 'remote1:61613', 'remote2:61613', 'remote3:61613'],
    ],
    ['loopback entry in front of a local non-loopback host', [e('broker-box')], false, true, ['127.0.0.1:61613', 'broker-box:61613']],
    ['loopback entry for a local interface address', [e('10.1.2.3', 1234)], false, true, ['127.0.0.1:1234', '10.1.2.3:1234']],
    ['loopback entry for a local IPv6 address', [e('fe80::1', 5)], false, true, ['127.0.0.1:5', '[fe80::1]:5']],
    ['none for a remote host', [e('remote1'), e('remote2', 2)], true, true, ['remote1:61613', 'remote2:2']],
    ['none when 127.0.0.1 with that port is listed', [e('broker-box'), e('127.0.0.1')], false, true, ['broker-box:61613', '127.0.0.1:61613']],
    ['none when localhost with that port is listed (stomp.py adds one here)', [e('broker-box'), e('localhost')], false, true, ['broker-box:61613', 'localhost:61613']],
    ['none for localhost itself', [e('localhost')], true, true, ['localhost:61613']],
    ['none for 127.0.0.1 itself', [e('127.0.0.1')], true, true, ['127.0.0.1:61613']],
    ['none for ::1, already loopback', [e('::1')], true, true, ['[::1]:61613']],
    ['added when 127.0.0.1 is listed only on another port', [e('broker-box'), e('127.0.0.1', 1)], false, true, ['127.0.0.1:61613', 'broker-box:61613', '127.0.0.1:1']],
    ['one entry per port, however many local names share it', [e('broker-box'), e('10.1.2.3'), e('fe80::1')], false, true, ['127.0.0.1:61613', 'broker-box:61613', '10.1.2.3:61613', '[fe80::1]:61613']],
    [
      'one entry per port, in the order of the (sorted) list',
      [e('remote'), e('broker-box', 2), e('10.1.2.3', 1)],
      true,
      true,
      ['127.0.0.1:2', '127.0.0.1:1', 'broker-box:2', '10.1.2.3:1', 'remote:61613'],
    ],
    ['loopback entries come before everything, sorted or not', [e('remote'), e('broker-box')], false, true, ['127.0.0.1:61613', 'remote:61613', 'broker-box:61613']],
  ];

  it.each(TABLE)('%s', (_name, endpoints, preferLocalhost, tryLoopbackConnect, expected) => {
    expect(names(orderEndpoints(endpoints, preferLocalhost, tryLoopbackConnect))).toEqual(expected);
  });

  it('the loopback entry keeps TLS and URL credentials of the entry it stands for', () => {
    const ordered = orderEndpoints([e('broker-box', 61614, { tls: true, login: 'u', passcode: 'p' })], true, true);
    expect(ordered[0]).toEqual({ host: '127.0.0.1', port: 61614, tls: true, login: 'u', passcode: 'p', tlsName: 'broker-box' });
  });

  it('the loopback entry names the host it stands for, which a TLS certificate must prove; other entries name none', () => {
    const ordered = orderEndpoints([e('10.1.2.3', 1), e('broker-box', 2), e('remote', 3)], false, true);
    expect(ordered.map((x) => [formatEndpoint(x), x.tlsName])).toEqual([
      ['127.0.0.1:1', '10.1.2.3'],
      ['127.0.0.1:2', 'broker-box'],
      ['10.1.2.3:1', undefined],
      ['broker-box:2', undefined],
      ['remote:3', undefined],
    ]);
  });

  it('leaves the input list alone', () => {
    const input = [e('remote'), e('broker-box')];
    const copy = input.map((x) => ({ ...x }));
    const ordered = orderEndpoints(input, true, true);
    expect(input).toEqual(copy);
    expect(ordered).not.toBe(input);
  });
});
