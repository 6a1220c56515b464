import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { InjectStompConnection, StompConnection, StompContext, StompModule } from '../../lib';
import { BROKERS } from '../support/brokers';
import { closeAll } from '../support/session';
import { pyRequest, pySend } from '../support/stomp-py';
import { Inbox, uniqueName } from '../support/wait';
import { closeApps, startServer } from './harness';

describe.each(BROKERS)('Nest transport with plain STOMP peers and DI on $name', (broker) => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  it('takes a plain stomp.py message into @EventPattern, no Nest envelope needed', async () => {
    const queue = `/queue/${uniqueName('py-event')}`;
    const seen = new Inbox<[unknown, string | undefined]>();
    @Controller()
    class Orders {
      @EventPattern<string>(queue)
      handle(@Payload() order: unknown, @Ctx() ctx: StompContext): void {
        seen.push([order, ctx.getHeaders()['x-source']]);
      }
    }
    await startServer(broker, [Orders]);
    await pySend(broker, '1.2', queue, Buffer.from(JSON.stringify({ sku: 'A-1', qty: 2 })), { 'content-type': 'application/json', 'x-source': 'stomp.py' });
    expect(await seen.next()).toEqual([{ sku: 'A-1', qty: 2 }, 'stomp.py']);
  });

  it('answers a stomp.py requester with a plain reply on its reply-to, correlation-id kept', async () => {
    const queue = `/queue/${uniqueName('py-rpc')}`;
    const replies = `/queue/${uniqueName('py-replies')}`;
    @Controller()
    class Prices {
      @MessagePattern(queue)
      quote(@Payload() request: { sku: string }): { sku: string; price: number } {
        return { sku: request.sku, price: 9.5 };
      }
    }
    await startServer(broker, [Prices]);
    const reply = await pyRequest(broker, '1.2', queue, Buffer.from('{"sku":"B-2"}'), { 'content-type': 'application/json' }, replies);
    expect(JSON.parse(reply.body.toString())).toEqual({ sku: 'B-2', price: 9.5 });
    expect(reply.headers['correlation-id']).toBe('py-42');
    expect(reply.headers['content-type']).toBe('application/json');
    // Nothing of the Nest transport's own: a single answer is final without saying so.
    expect(reply.headers['reply-status']).toBeUndefined();
  });

  it('injects connections from forRoot and forRootAsync (named), connected, and closes them on shutdown', async () => {
    @Injectable()
    class Publisher {
      constructor(
        @InjectStompConnection() readonly main: StompConnection,
        @InjectStompConnection('audit') readonly audit: StompConnection,
      ) {}
    }
    @Module({
      imports: [
        StompModule.forRoot(broker.options),
        StompModule.forRootAsync({ name: 'audit', useFactory: async () => ({ ...broker.options, heartbeats: [1000, 1000] as [number, number] }) }),
      ],
      providers: [Publisher],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
    const publisher = app.get(Publisher);
    expect(publisher.main).toBeInstanceOf(StompConnection);
    expect(publisher.main).not.toBe(publisher.audit);
    expect(publisher.main.isConnected()).toBe(true);
    expect(publisher.audit.isConnected()).toBe(true);
    expect(publisher.audit.options.heartbeats).toEqual([1000, 1000]);
    const queue = `/queue/${uniqueName('di')}`;
    const got = new Inbox<string>();
    publisher.audit.setListener('t', { onMessage: (frame) => got.push(frame.text()) });
    await publisher.audit.subscribe(queue, 'di-1', 'auto', undefined, { receipt: true });
    await publisher.main.send(queue, 'from main', { receipt: true });
    expect(await got.next()).toBe('from main');
    await app.close();
    expect(publisher.main.isConnected()).toBe(false);
    expect(publisher.audit.isConnected()).toBe(false);
  });
});
