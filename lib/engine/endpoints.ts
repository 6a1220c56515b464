import { hostname, networkInterfaces } from 'node:os';
import { StompUsageError } from './errors';

/** A broker address: a `[host, port]` pair (IPv6 hosts unbracketed), or a `stomp://` / `stomp+ssl://` URL. */
export type HostAndPort = readonly [host: string, port: number] | string;

/** One place to try, resolved from {@link HostAndPort}. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** Whether this endpoint speaks TLS (`stomp+ssl://`), in addition to the `tls` option. */
  readonly tls: boolean;
  /**
   * The name the broker's TLS certificate is checked against when it is not `host`: the entry's own
   * host, on a 127.0.0.1 entry tried for it (`tryLoopbackConnect`).
   */
  readonly tlsName?: string;
  /** Credentials written in the URL (`stomp://user:pass@host`), if any. */
  readonly login?: string;
  readonly passcode?: string;
}

/** The STOMP port brokers listen on by default. */
export const DEFAULT_STOMP_PORT = 61613;

const SCHEMES: Record<string, boolean> = { 'stomp:': false, 'tcp:': false, 'stomp+ssl:': true, 'stomp+tls:': true, 'ssl:': true };

/**
 * Parses one host entry.
 * @throws {StompUsageError} for an unknown scheme, a missing host or a port outside 1–65535.
 */
export function parseEndpoint(spec: HostAndPort): Endpoint {
  if (typeof spec !== 'string') return checked({ host: spec[0], port: spec[1], tls: false });
  let url: URL;
  try {
    url = new URL(spec);
  } catch (cause) {
    throw new StompUsageError(`hosts: ${JSON.stringify(redact(spec))} is not a URL such as stomp://host:61613`);
  }
  const tls = SCHEMES[url.protocol];
  if (tls === undefined) throw new StompUsageError(`hosts: scheme ${url.protocol} is not one of ${Object.keys(SCHEMES).join(' ')}`);
  return checked({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? DEFAULT_STOMP_PORT : Number(url.port),
    tls,
    login: url.username === '' ? undefined : decodeCredential(url.username, spec),
    passcode: url.password === '' ? undefined : decodeCredential(url.password, spec),
  });
}

/** Percent-decodes URL credentials; a malformed escape (`%ZZ`) is a usage error, not a URIError. */
function decodeCredential(text: string, spec: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new StompUsageError(`hosts: ${JSON.stringify(redact(spec))} has credentials that are not valid percent-encoding`);
  }
}

function checked(endpoint: Endpoint): Endpoint {
  if (typeof endpoint.host !== 'string' || endpoint.host.length === 0) throw new StompUsageError('hosts: an entry has no host');
  if (!Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65535) {
    throw new StompUsageError(`hosts: port ${String(endpoint.port)} of ${endpoint.host} is not in 1–65535`);
  }
  return endpoint;
}

function redact(spec: string): string {
  // Up to the last @: a password that broke the URL may itself hold a raw @ or /.
  return spec.replace(/\/\/.*@/s, '//***@');
}

/** Names and addresses of this machine, as stomp.py's LOCALHOST_NAMES. */
function localNames(): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', hostname()]);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) names.add(address.address);
  }
  return names;
}

/**
 * The order in which endpoints are tried, as stomp.py builds it: with `preferLocalhost` the local
 * ones first; with `tryLoopbackConnect` a 127.0.0.1 entry in front of every local one that is
 * not already loopback.
 */
export function orderEndpoints(endpoints: readonly Endpoint[], preferLocalhost: boolean, tryLoopbackConnect: boolean): Endpoint[] {
  const local = localNames();
  const isLocal = (e: Endpoint): boolean => local.has(e.host);
  const sorted = preferLocalhost ? [...endpoints].sort((a, b) => Number(isLocal(b)) - Number(isLocal(a))) : [...endpoints];
  if (!tryLoopbackConnect) return sorted;
  const loopback: Endpoint[] = [];
  for (const endpoint of sorted) {
    const hasLoopback = sorted.some((e) => e.port === endpoint.port && (e.host === '127.0.0.1' || e.host === 'localhost'));
    // ::1 is loopback already: a 127.0.0.1 entry in front of it would only add a detour.
    if (isLocal(endpoint) && endpoint.host !== '::1' && !hasLoopback && !loopback.some((e) => e.port === endpoint.port)) {
      // The certificate must still prove the name that was asked for, not 127.0.0.1.
      loopback.push({ ...endpoint, host: '127.0.0.1', tlsName: endpoint.host });
    }
  }
  return [...loopback, ...sorted];
}

/** `host:port`, with IPv6 hosts bracketed. */
export function formatEndpoint(endpoint: Pick<Endpoint, 'host' | 'port'>): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
