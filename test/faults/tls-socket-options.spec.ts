import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { openSocket, type SocketSettings } from '../../lib/engine/socket';

/** RabbitMQ's STOMP listeners (scripts/brokers.sh writes the TLS one's certificates). */
const TCP_PORT = 61613;
const TLS_PORT = 61612;
const CA = '/etc/rabbitmq/nestjs-stomp-tls/ca.crt';

/** The kernel's view of a socket: `ss` lists a keep-alive timer only when SO_KEEPALIVE is on. */
function kernelKeepalive(socket: Socket): boolean {
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${socket.localPort} )`], { encoding: 'utf8' });
  return /timer:\(keepalive/.test(out);
}

/** Node keeps TCP_NODELAY, which `ss` does not show, under this symbol on every net.Socket. */
function noDelayOf(socket: Socket): unknown {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return symbol === undefined ? undefined : (socket as unknown as Record<symbol, unknown>)[symbol];
}

describe('TCP options on a TLS socket (RabbitMQ stomp+ssl)', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  async function open(tls: boolean, settings: Pick<SocketSettings, 'keepalive' | 'noDelay'>): Promise<Socket> {
    const endpoint = { host: 'localhost', port: tls ? TLS_PORT : TCP_PORT, tls };
    const socket = await openSocket(endpoint, { timeoutMs: 5000, tls: tls ? { ca: readFileSync(CA) } : undefined, ...settings }, () => undefined);
    sockets.push(socket);
    return socket;
  }

  it.each([false, true])('tls %s: keepalive and noDelay reach the socket', async (tls) => {
    const socket = await open(tls, { keepalive: 5000, noDelay: true });
    expect(kernelKeepalive(socket)).toBe(true);
    expect(noDelayOf(socket)).toBe(true);
  });

  it.each([false, true])('tls %s: both off leaves them off', async (tls) => {
    const socket = await open(tls, { keepalive: false, noDelay: false });
    expect(kernelKeepalive(socket)).toBe(false);
    expect(noDelayOf(socket)).toBe(false);
  });
});
