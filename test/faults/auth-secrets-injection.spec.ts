import { Controller, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { inspect } from 'node:util';
import {
  ClientStomp,
  PrintingListener,
  RECONNECT_FOREVER,
  ServerStomp,
  StompAuthenticationError,
  StompConnection,
  StompStatus,
  type StompVersion,
} from '../../lib';
import { BROKERS, BROKER_VERSIONS } from '../support/brokers';
import { closeAll, session } from '../support/session';
import { uniqueName } from '../support/wait';

const rabbit = BROKERS.find((b) => b.name === 'rabbitmq')!;
const SECRET = 'Pa55-very-secret-9f3e';

/** Every string reachable from an error: message, stack, cause chain, own properties. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e), (e as Error).stack ?? '', inspect(e, { depth: 5 }));
  }
  return parts.join('\n');
}

describe('authentication failures (RabbitMQ)', () => {
  afterEach(closeAll);

  it('fails a first connect at once with StompAuthenticationError, without a reconnect loop', async () => {
    const attempts: string[] = [];
    const conn = new StompConnection({ ...rabbit.options, passcode: 'wrong', reconnectAttemptsMax: RECONNECT_FOREVER });
    conn.setListener('count', { onConnecting: ([host, port]) => attempts.push(`${host}:${port}`) });
    const error = await conn.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StompAuthenticationError);
    expect((error as StompAuthenticationError).code).toBe('STOMP_ERR_AUTHENTICATION');
    expect((error as Error).message).toMatch(/Access refused/);
    expect(attempts).toHaveLength(1);
    expect(conn.isConnected()).toBe(false);
  });

  it('fails ServerStomp.listen() and ClientStomp.connect() with it instead of hanging', async () => {
    @Controller()
    class Nothing {
      @EventPattern<string>(`/queue/${uniqueName('auth')}`)
      handle(): void {}
    }
    const app = await NestFactory.createMicroservice(
      (() => {
        class M {}
        Reflect.defineMetadata('controllers', [Nothing], M);
        return M;
      })(),
      { strategy: new ServerStomp({ ...rabbit.options, passcode: 'wrong' }), logger: false },
    );
    await expect(app.listen()).rejects.toBeInstanceOf(StompAuthenticationError);
    await app.close();
    const client = new ClientStomp({ ...rabbit.options, passcode: 'wrong' });
    await expect(client.connect()).rejects.toBeInstanceOf(StompAuthenticationError);
    await client.close();
  });
});

describe('the passcode never leaks', () => {
  afterEach(closeAll);

  it('appears in no log, error, listener output, status event or inspected object', async () => {
    const captured: string[] = [];
    const logger: LoggerService = {
      log: (...args: unknown[]) => captured.push(inspect(args)),
      error: (...args: unknown[]) => captured.push(inspect(args)),
      warn: (...args: unknown[]) => captured.push(inspect(args)),
      debug: (...args: unknown[]) => captured.push(inspect(args)),
      verbose: (...args: unknown[]) => captured.push(inspect(args)),
    };
    const printer = new PrintingListener((line) => captured.push(line), true);

    // A failed login, with the secret as the wrong passcode.
    const refused = new StompConnection({ ...rabbit.options, passcode: SECRET });
    refused.setListener('print', printer);
    captured.push(errorText(await refused.connect().catch((e: unknown) => e)));

    // A successful session whose CONNECT carried the secret, in the URL this time.
    const [host, port] = rabbit.options.hosts![0] as [string, number];
    const viaUrl = new StompConnection({ hosts: [`stomp://guest:${encodeURIComponent(SECRET)}@${host}:${port}`], passcode: 'guest', login: 'guest' });
    viaUrl.setListener('print', printer);
    viaUrl.setListener('frames', { onSend: (frame) => captured.push(inspect(frame), String(frame)) });
    await viaUrl.connect();
    captured.push(inspect(viaUrl.options, { depth: 5 }), JSON.stringify(viaUrl.options), inspect(viaUrl, { depth: 3 }));
    await viaUrl.disconnect();

    // An unreachable broker, with the secret in the URL and the options.
    const unreachable = new StompConnection({ hosts: [`stomp://u:${SECRET}@127.0.0.1:1`], passcode: SECRET, reconnectAttemptsMax: 1 });
    captured.push(errorText(await unreachable.connect().catch((e: unknown) => e)));
    captured.push(errorText(await Promise.resolve().then(() => new StompConnection({ hosts: [`bogus://u:${SECRET}@h:1`] })).catch((e: unknown) => e)));

    // Nest: a server and a client whose broker refuses the secret, with status events and logs captured.
    const client = new ClientStomp({ ...rabbit.options, passcode: SECRET });
    client.status.subscribe((status: StompStatus) => captured.push(status));
    client.on('error', (error) => captured.push(errorText(error)));
    captured.push(errorText(await client.connect().catch((e: unknown) => e)));
    class Empty {}
    const app = await NestFactory.createMicroservice(Empty, { strategy: new ServerStomp({ ...rabbit.options, passcode: SECRET }), logger });
    captured.push(errorText(await app.listen().catch((e: unknown) => e)));
    await app.close();

    const all = captured.join('\n');
    expect(all).toContain('Access refused');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(encodeURIComponent(SECRET));
  });
});

describe.each(BROKER_VERSIONS)('header values cannot inject headers or frames on %s', (_label, broker, version: StompVersion) => {
  afterEach(closeAll);

  const attack = 'ok\ninjected:yes\n\nSEND\ndestination:/queue/evil\n\n';

  it(version === '1.0' ? 'refuses them on 1.0 before writing' : 'escapes them so they arrive as one value', async () => {
    const s = await session(broker, version);
    const queue = `/queue/${uniqueName('inject')}`;
    await s.conn.subscribe(queue, 'inj', 'auto', undefined, { receipt: true });
    if (version === '1.0') {
      await expect(s.conn.send(queue, 'x', { headers: { 'x-user': attack } })).rejects.toMatchObject({ code: 'STOMP_ERR_UNENCODABLE' });
      await expect(s.conn.send(queue, 'x', { headers: { [attack]: 'v' } })).rejects.toMatchObject({ code: 'STOMP_ERR_UNENCODABLE' });
      await s.conn.send(queue, 'after', { receipt: true });
      expect((await s.inbox('inj').next()).text()).toBe('after');
      return;
    }
    await s.conn.send(queue, 'body', { headers: { 'x-user': attack }, receipt: true });
    const message = await s.inbox('inj').next();
    expect(message.header('x-user')).toBe(attack);
    expect(message.header('injected')).toBeUndefined();
    expect(message.text()).toBe('body');
  });
});
