import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientStomp, InjectStompConnection, ServerStomp, StompConnection, StompConnectionError, StompContext, StompModule, StompTimeoutError, type ConnectionOptions } from '../../lib';
import { EmbeddedBroker, STOMP_TESTING_OPTIONS, STOMP_TESTING_URL, StompTestingModule, waitForMessage } from '../../lib/testing';
import { closeAll, session } from '../support/session';
import { uniqueName } from '../support/wait';
import { cleanUp, startBroker, targetOf } from './harness';

// ---- The README's example: a user's own e2e test of a handler, on the embedded broker. ----

@Controller()
class Orders {
  @EventPattern<string>('/queue/orders')
  async placed(@Payload() order: { id: number }, @Ctx() ctx: StompContext): Promise<void> {
    await ctx.send('/queue/invoices', { orderId: order.id });
  }
}

@Module({ controllers: [Orders] })
class OrdersModule {}

it('invoices every order (the README example)', async () => {
  const testing = await NestFactory.createApplicationContext(StompTestingModule.forRoot(), { logger: false });
  const stomp = testing.get<ConnectionOptions>(STOMP_TESTING_OPTIONS);
  const app = await NestFactory.createMicroservice(OrdersModule, { strategy: new ServerStomp(stomp), logger: false });
  await app.listen();
  const client = new ClientStomp(stomp);
  await lastValueFrom(client.emit('/queue/orders', { id: 7 }), { defaultValue: undefined });
  const invoice = await waitForMessage(stomp, '/queue/invoices');
  expect(JSON.parse(invoice.text())).toEqual({ orderId: 7 });
  await client.close();
  await app.close();
  await testing.close();
});

// ---- The module and the helper in detail. ----

describe('StompTestingModule', () => {
  it('provides the broker, its options and URL everywhere, feeds StompModule, and stops the broker on shutdown', async () => {
    @Injectable()
    class Probe {
      constructor(
        readonly broker: EmbeddedBroker,
        @Inject(STOMP_TESTING_URL) readonly url: string,
        @InjectStompConnection() readonly connection: StompConnection,
      ) {}
    }
    @Module({ providers: [Probe] })
    class FeatureModule {}
    @Module({
      imports: [
        StompTestingModule.forRoot({ users: { tester: 'pw' } }),
        StompModule.forRootAsync({ isGlobal: true, inject: [STOMP_TESTING_OPTIONS], useFactory: (options: ConnectionOptions) => options }),
        FeatureModule,
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const probe = app.get(Probe);
    expect(probe.broker).toBeInstanceOf(EmbeddedBroker);
    expect(probe.url).toBe(`stomp://tester:pw@127.0.0.1:${probe.broker.port}`);
    expect(app.get(STOMP_TESTING_OPTIONS)).toEqual({ hosts: [['127.0.0.1', probe.broker.port]], login: 'tester', passcode: 'pw' });
    expect(probe.connection.isConnected()).toBe(true);
    await app.close();
    const late = new StompConnection({ hosts: [probe.url], reconnectAttemptsMax: 1, timeout: 2 });
    await expect(late.connect()).rejects.toBeInstanceOf(StompConnectionError);
  });
});

describe('waitForMessage', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  it('takes exactly the first message of a queue, by URL; the rest stay, not redelivered', async () => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('wait')}`;
    const s = await session(targetOf(broker), '1.2');
    for (const body of ['m1', 'm2', 'm3']) await s.conn.send(queue, body, { receipt: true });
    const first = await waitForMessage(broker.url, queue);
    const second = await waitForMessage(broker.url, queue);
    expect([first, second].map((f) => [f.text(), f.header('redelivered')])).toEqual([
      ['m1', 'false'],
      ['m2', 'false'],
    ]);
  });

  it('uses a connection it is given, and leaves it connected with no subscription of its own', async () => {
    const broker = await startBroker({ users: { u: 'p' } });
    const s = await session(targetOf(broker), '1.1');
    const topic = `/topic/${uniqueName('wait')}`;
    const waiting = waitForMessage(s.conn, topic, { timeoutMs: 2000 });
    // A topic keeps nothing for late subscribers: publish until the wait has subscribed and caught one.
    const publisher = await session(targetOf(broker), '1.2');
    let caught: unknown;
    void waiting.then(
      (frame) => (caught = frame),
      (error: unknown) => (caught = error),
    );
    while (caught === undefined) await publisher.conn.send(topic, 'tick', { receipt: true });
    expect((await waiting).text()).toBe('tick');
    expect(s.conn.isConnected()).toBe(true);
    expect(s.conn.getSubscriptions().size).toBe(0);
  });

  it('fails with StompTimeoutError at the deadline, and cleans up after itself', async () => {
    const broker = await startBroker();
    const s = await session(targetOf(broker), '1.2');
    const queue = `/queue/${uniqueName('never')}`;
    const error = await waitForMessage(s.conn, queue, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StompTimeoutError);
    expect(error).toMatchObject({ code: 'STOMP_ERR_TIMEOUT', timeoutMs: 150 });
    expect(s.conn.getSubscriptions().size).toBe(0);
    await expect(waitForMessage(broker.connectionOptions, queue, { timeoutMs: 150 })).rejects.toBeInstanceOf(StompTimeoutError);
    // Nothing left subscribed: a message sent now is still there for the next wait.
    await s.conn.send(queue, 'later', { receipt: true });
    expect((await waitForMessage(broker.url, queue)).text()).toBe('later');
  });
});
