import { readFileSync } from 'node:fs';
import { parseEndpoint, resolveOptions, StompUsageError, type ConnectionOptions, type Endpoint } from '../engine';
import { hasOption, optionValue, type OptionSpec, type ParsedArgs } from './args';
import { CliUsageError } from './errors';
import { heartbeats, seconds, stompVersion, wholeNumber } from './values';

/** Where to connect when neither `--url` nor `STOMP_URL` says. */
export const DEFAULT_URL = 'stomp://localhost:61613';

/** Options every command takes to reach the broker. */
export const CONNECTION_OPTIONS: readonly OptionSpec[] = [
  { name: 'url', value: 'URL', description: `broker, stomp://[login:passcode@]host:port or stomp+ssl://… (default: $STOMP_URL, else ${DEFAULT_URL})` },
  { name: 'host', value: 'HOST', description: "broker host name or address (overrides the URL's)" },
  { name: 'port', value: 'PORT', description: "broker STOMP port (overrides the URL's)" },
  { name: 'login', value: 'LOGIN', description: "user name (overrides the URL's)" },
  { name: 'passcode', value: 'PASSCODE', description: 'password (overrides the URL\'s; visible to other local users in the process list: prefer STOMP_URL)' },
  { name: 'version', value: '1.0|1.1|1.2', description: 'highest STOMP version to ask for (default 1.2)' },
  { name: 'vhost', value: 'VHOST', description: 'the CONNECT host header, a virtual host on RabbitMQ (default /)' },
  { name: 'heartbeats', value: 'CX,CY', description: 'heart-beats in ms: we can send every CX, want one every CY (default 0,0: off)' },
  { name: 'tls', description: 'connect with TLS (certificates verified)' },
  { name: 'ca', value: 'FILE', description: 'PEM file of the CA that signed the broker certificate (implies --tls)' },
  { name: 'timeout', value: 'SECONDS', description: 'limit for connecting and for each receipt (default 10)' },
  { name: 'verbose', short: 'v', description: 'print every frame sent and received on stderr (passcode masked)' },
];

/**
 * Engine options from the connection flags and `STOMP_URL`, checked by the engine itself so that
 * a bad value is a usage error before any socket opens. A command line tool fails fast: one
 * attempt per host, no reconnection. Bodies given as strings go without `content-length`.
 * @throws {CliUsageError} for a bad URL, port, version, heart-beat, timeout or unreadable CA file.
 */
export function connectionOptions(args: ParsedArgs, env: NodeJS.ProcessEnv): ConnectionOptions {
  const fromFlag = optionValue(args, 'url');
  const source = fromFlag !== undefined ? '--url' : env.STOMP_URL ? 'STOMP_URL' : undefined;
  const url = urlEndpoint(fromFlag ?? (env.STOMP_URL || DEFAULT_URL), source);
  const port = optionValue(args, 'port');
  const ca = optionValue(args, 'ca');
  const timeout = optionValue(args, 'timeout');
  const version = optionValue(args, 'version');
  const beats = optionValue(args, 'heartbeats');
  const login = optionValue(args, 'login');
  const options: ConnectionOptions = {
    hosts: [[optionValue(args, 'host') ?? url.host, port === undefined ? url.port : wholeNumber('port', port)]],
    login: login ?? url.login,
    // As in the engine: the URL's passcode belongs to the URL's login only.
    passcode: optionValue(args, 'passcode') ?? (login === undefined ? url.passcode : undefined),
    vhost: optionValue(args, 'vhost'),
    version: version === undefined ? undefined : stompVersion(version),
    heartbeats: beats === undefined ? undefined : heartbeats(beats),
    tls: ca !== undefined ? { ca: readCa(ca) } : url.tls || hasOption(args, 'tls') ? true : undefined,
    timeout: timeout === undefined ? undefined : seconds('timeout', timeout),
    receiptTimeout: timeout === undefined ? undefined : seconds('timeout', timeout),
    reconnectAttemptsMax: 1,
    autoReconnect: false,
    // As the Nest layer: a body typed on the command line (a string) goes as text, without
    // content-length, so ActiveMQ hands JMS a TextMessage and the transport a string or JSON, not
    // bytes; a body read from stdin (a Buffer, maybe binary) goes as bytes, with it.
    autoContentLength: 'binary',
  };
  try {
    resolveOptions(options);
  } catch (error) {
    throw error instanceof StompUsageError ? new CliUsageError(error.message) : error;
  }
  return options;
}

function urlEndpoint(url: string, source: string | undefined): Endpoint {
  try {
    return parseEndpoint(url);
  } catch (error) {
    // The engine's message already hides credentials; say which input held the URL.
    throw error instanceof StompUsageError ? new CliUsageError(`${source ?? 'URL'}: ${error.message}`) : error;
  }
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CliUsageError(`cannot read --ca ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Whether `--verbose` asked for every frame on stderr. */
export function isVerbose(args: ParsedArgs): boolean {
  return hasOption(args, 'verbose');
}
