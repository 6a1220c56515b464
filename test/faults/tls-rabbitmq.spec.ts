import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StompConnection, StompConnectionError, type ConnectionOptions } from '../../lib';
import { closeAll } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';

/** Written by scripts/brokers.sh, which also points RabbitMQ's STOMP TLS listener at them. */
const TLS_DIR = '/etc/rabbitmq/nestjs-stomp-tls';
const TLS_PORT = 61612;
const file = (name: string): Buffer => readFileSync(join(TLS_DIR, name));

describe('TLS against RabbitMQ STOMP (stomp+ssl://)', () => {
  const opened: StompConnection[] = [];

  afterEach(async () => {
    for (const conn of opened.splice(0)) await conn.disconnect().catch(() => undefined);
    await closeAll();
  });

  function open(host: string, tls: ConnectionOptions['tls']): StompConnection {
    const conn = new StompConnection({ hosts: [`stomp+ssl://${host}:${TLS_PORT}`], tls, login: 'guest', passcode: 'guest', reconnectAttemptsMax: 1, timeout: 5 });
    opened.push(conn);
    return conn;
  }

  it('connects with the CA that signed the broker certificate, and carries messages', async () => {
    const conn = open('localhost', { ca: file('ca.crt') });
    await conn.connect();
    const queue = `/queue/${uniqueName('tls')}`;
    const got = new Inbox<string>();
    conn.setListener('m', { onMessage: (frame) => got.push(frame.text()) });
    await conn.subscribe(queue, 't', 'auto', undefined, { receipt: true });
    await conn.send(queue, 'over TLS', { receipt: true });
    expect(await got.next()).toBe('over TLS');
  });

  it.each([
    ['a CA that did not sign it', 'localhost', () => ({ ca: file('stranger-ca.crt') }), /certificate/i],
    ['a host name the certificate does not name', '127.0.0.1', () => ({ ca: file('ca.crt'), servername: 'broker.example' }), /altnames|Hostname|does not match/i],
    ['no CA at all: verification is on by default', 'localhost', () => ({}), /certificate/i],
  ])('refuses %s with a clear StompConnectionError', async (_name, host, tls, reason) => {
    const error = await open(host, tls()).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StompConnectionError);
    expect((error as Error).message).toMatch(reason);
  });

  it('presents a client certificate (mutual TLS); the broker refuses one from an unknown CA', async () => {
    const good = open('localhost', { ca: file('ca.crt'), cert: file('client.crt'), key: file('client.key') });
    await good.connect();
    expect(good.isConnected()).toBe(true);
    const stranger = open('localhost', { ca: file('ca.crt'), cert: file('stranger-client.crt'), key: file('stranger-client.key') });
    const error = await stranger.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StompConnectionError);
  });
});
