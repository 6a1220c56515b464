import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import { StompConnection, StompConnectionError } from '../../lib';
import type { Endpoint } from '../../lib/engine/endpoints';
import { openSocket } from '../../lib/engine/socket';

/** RabbitMQ's STOMP TLS listener; its certificate (scripts/brokers.sh) names localhost and 127.0.0.1 only. */
const TLS_PORT = 61612;
const ca = (): Buffer => readFileSync('/etc/rabbitmq/nestjs-stomp-tls/ca.crt');

describe('a 127.0.0.1 entry tried for a host name of this machine (tryLoopbackConnect) over TLS', () => {
  const sockets: Socket[] = [];
  const conns: StompConnection[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const conn of conns.splice(0)) await conn.disconnect().catch(() => undefined);
  });

  function open(tlsName: string): Promise<Socket> {
    const endpoint: Endpoint = { host: '127.0.0.1', port: TLS_PORT, tls: true, tlsName };
    return openSocket(endpoint, { timeoutMs: 5000, tls: { ca: ca() }, keepalive: false, noDelay: true }, () => undefined).then((socket) => {
      sockets.push(socket);
      return socket;
    });
  }

  it('is accepted when the certificate names the host it stands for', async () => {
    expect((await open('localhost')).remoteAddress).toBe('127.0.0.1');
  });

  it('is refused when the certificate names only 127.0.0.1, not that host', async () => {
    await expect(open('broker.example')).rejects.toThrow(/broker\.example.*altnames/);
  });

  // A machine called localhost gets no 127.0.0.1 entry (localhost is loopback already).
  const namedMachine = hostname() === 'localhost' ? it.skip : it;
  namedMachine(`so a stomp+ssl:// URL naming this machine (${hostname()}) fails when the certificate does not name it`, async () => {
    const conn = new StompConnection({
      hosts: [`stomp+ssl://${hostname()}:${TLS_PORT}`],
      tls: { ca: ca() },
      login: 'guest',
      passcode: 'guest',
      reconnectAttemptsMax: 1,
      timeout: 5,
    });
    conns.push(conn);
    expect(conn.options.endpoints[0]).toMatchObject({ host: '127.0.0.1', tlsName: hostname() });
    await expect(conn.connect()).rejects.toThrow(StompConnectionError);
  });
});
