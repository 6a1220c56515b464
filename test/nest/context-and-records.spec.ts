import { Controller, Module, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ServerStomp, StompContext, StompRecordBuilder, StompTransactional, StompTransactionInterceptor, StompUsageError } from '../../lib';
import { BROKERS, type BrokerTarget } from '../support/brokers';
import { closeAll, session } from '../support/session';
import { pySend } from '../support/stomp-py';
import { Inbox, uniqueName } from '../support/wait';
import { closeApps, startClient, startServer } from './harness';

/** A server whose one @EventPattern on `queue` hands each payload to the returned inbox. */
async function startCollector(broker: BrokerTarget, queue: string): Promise<Inbox<unknown>> {
  const payloads = new Inbox<unknown>();
  @Controller()
  class Collector {
    @EventPattern<string>(queue)
    handle(@Payload() payload: unknown): void {
      payloads.push(payload);
    }
  }
  await startServer(broker, [Collector]);
  return payloads;
}

describe.each(BROKERS)('handler context, transactions and records on $name', (broker) => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  it('commits a @StompTransactional handler of an ack-auto subscription (nothing to ACK there)', async () => {
    const queue = `/queue/${uniqueName('tx-auto')}`;
    const out = `/queue/${uniqueName('tx-auto-out')}`;
    @Controller()
    class Forwarder {
      @EventPattern<string>(queue, { ack: 'auto' })
      @StompTransactional()
      async handle(@Payload() order: { id: number }, @Ctx() ctx: StompContext): Promise<void> {
        await ctx.send(out, { forwarded: order.id });
      }
    }
    await startServer(broker, [Forwarder]);
    const s = await session(broker, '1.2');
    await s.conn.subscribe(out, 'out', 'auto', undefined, { receipt: true });
    await s.conn.send(queue, '{"id":7}', { contentType: 'application/json', receipt: true });
    expect(JSON.parse((await s.inbox('out').next(10_000, 'the forwarded message')).text())).toEqual({ forwarded: 7 });
  });

  it('sends a StompRecord from ctx.send as its data with its headers and content type', async () => {
    const queue = `/queue/${uniqueName('ctx-record')}`;
    const out = `/queue/${uniqueName('ctx-record-out')}`;
    @Controller()
    class Forwarder {
      @EventPattern<string>(queue)
      async handle(@Payload() text: string, @Ctx() ctx: StompContext): Promise<void> {
        await ctx.send(out, new StompRecordBuilder(`<order>${text}</order>`).setContentType('application/xml').setHeaders({ tenant: 'a' }).build(), { 'x-trace': 't1' });
      }
    }
    await startServer(broker, [Forwarder]);
    const s = await session(broker, '1.2');
    await s.conn.subscribe(out, 'out', 'auto', undefined, { receipt: true });
    await s.conn.send(queue, '7', { contentType: 'text/plain', receipt: true });
    const sent = await s.inbox('out').next(10_000, 'the forwarded record');
    expect(sent.text()).toBe('<order>7</order>');
    expect(sent.headers).toMatchObject({ 'content-type': 'application/xml', tenant: 'a', 'x-trace': 't1' });
  });

  it('takes a content-type among a record\'s headers as its content type, and refuses headers the transport writes', async () => {
    const queue = `/queue/${uniqueName('record-ct')}`;
    const s = await session(broker, '1.2');
    await s.conn.subscribe(queue, 'in', 'auto', undefined, { receipt: true });
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(queue, new StompRecordBuilder('<a/>').setHeaders({ 'content-type': 'application/xml' }).build()), { defaultValue: undefined });
    expect((await s.inbox('in').next(10_000, 'the record')).headers['content-type']).toBe('application/xml');
    expect(() => new StompRecordBuilder('x').setHeaders({ destination: '/queue/elsewhere' }).build()).toThrow(StompUsageError);
  });

  it('parses JSON from a stomp.py peer in the charset its content-type names', async () => {
    const queue = `/queue/${uniqueName('json-latin1')}`;
    const payloads = await startCollector(broker, queue);
    await pySend(broker, '1.2', queue, Buffer.from('{"name":"José"}', 'latin1'), { 'content-type': 'application/json; charset=ISO-8859-1' });
    expect(await payloads.next(10_000, 'the JSON payload')).toEqual({ name: 'José' });
  });

  it('takes StompTransactionInterceptor as a class in @UseInterceptors, as Nest instantiates interceptors', async () => {
    const queue = `/queue/${uniqueName('tx-class')}`;
    const out = `/queue/${uniqueName('tx-class-out')}`;
    @Controller()
    class Forwarder {
      @EventPattern<string>(queue)
      @UseInterceptors(StompTransactionInterceptor)
      async handle(@Payload() order: { id: number }, @Ctx() ctx: StompContext): Promise<void> {
        await ctx.send(out, { forwarded: order.id });
        expect(ctx.getTransaction()).toBeDefined();
      }
    }
    @Module({ controllers: [Forwarder] })
    class ForwarderModule {}
    // abortOnError: false, or Nest would exit the process when it cannot build the interceptor.
    const app = await NestFactory.createMicroservice(ForwarderModule, { strategy: new ServerStomp(broker.options), logger: false, abortOnError: false });
    try {
      await app.listen();
      const s = await session(broker, '1.2');
      await s.conn.subscribe(out, 'out', 'auto', undefined, { receipt: true });
      await s.conn.send(queue, '{"id":3}', { contentType: 'application/json', receipt: true });
      expect(JSON.parse((await s.inbox('out').next(10_000, 'the forwarded message')).text())).toEqual({ forwarded: 3 });
    } finally {
      await app.close();
    }
  });

  it('takes a content-type among ctx.send headers as the content type, and refuses headers the transport writes', async () => {
    const queue = `/queue/${uniqueName('ctx-ct')}`;
    const out = `/queue/${uniqueName('ctx-ct-out')}`;
    const refused = new Inbox<unknown>();
    @Controller()
    class Forwarder {
      @EventPattern<string>(queue)
      async handle(@Payload() text: string, @Ctx() ctx: StompContext): Promise<void> {
        await ctx.send(`${out}.unread`, '', { destination: out }).catch((error: unknown) => refused.push(error));
        await ctx.send(out, `<order>${text}</order>`, { 'content-type': 'application/xml' });
      }
    }
    await startServer(broker, [Forwarder]);
    const s = await session(broker, '1.2');
    await s.conn.subscribe(out, 'out', 'auto', undefined, { receipt: true });
    await s.conn.send(queue, '8', { contentType: 'text/plain', receipt: true });
    expect(await refused.next(10_000, 'the refused send')).toBeInstanceOf(StompUsageError);
    const sent = await s.inbox('out').next(10_000, 'the forwarded message');
    expect(sent.headers['content-type']).toBe('application/xml');
  });
});


describe('payloads of JMS text and bytes messages on ActiveMQ', () => {
  const activemq = BROKERS.find((b) => b.name === 'activemq')!;
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  it('decodes a TextMessage (no content-type, no content-length) as JSON or text and keeps a BytesMessage a Buffer', async () => {
    const queue = `/queue/${uniqueName('jms-text')}`;
    const payloads = await startCollector(activemq, queue);
    // Without content-length ActiveMQ makes a SEND a TextMessage, as a JMS producer's text arrives; with it a BytesMessage.
    const producer = await session(activemq, '1.2', { autoContentLength: false });
    await producer.conn.send(queue, '{"id":1}', { receipt: true });
    await producer.conn.send(queue, 'plain é', { receipt: true });
    await producer.conn.send(queue, '{"id":2}', { receipt: true, headers: { 'content-length': '8' } });
    expect(await payloads.next(10_000, 'the JSON TextMessage')).toEqual({ id: 1 });
    expect(await payloads.next(10_000, 'the plain TextMessage')).toBe('plain é');
    expect(await payloads.next(10_000, 'the BytesMessage')).toEqual(Buffer.from('{"id":2}'));
  });
});
