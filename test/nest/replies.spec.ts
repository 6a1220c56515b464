import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { firstValueFrom, interval, lastValueFrom, map, Observable, take, toArray, type Subscriber } from 'rxjs';
import { StompContext, StompRecord, StompRecordBuilder, StompTransactional } from '../../lib';
import { BROKERS } from '../support/brokers';
import { closeAll, remainingOn, session } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';
import { closeApps, startClient, startServer } from './harness';

/**
 * What a requester gets for every kind of answer a @MessagePattern handler can give, and that each
 * request is handled exactly once: a request NACKed after its answer would come back (RabbitMQ
 * requeues it at once) or be dead-lettered (ActiveMQ).
 */
describe.each(BROKERS)('replies on $name', (broker) => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  it('a handler that returns nothing completes the request without a value, once', async () => {
    const rpc = `/queue/${uniqueName('void-rpc')}`;
    const calls: string[] = [];
    @Controller()
    class Quiet {
      @MessagePattern(rpc)
      async handle(@Payload() text: string): Promise<string | undefined> {
        calls.push(text);
        return text === 'answer' ? 'answered' : undefined;
      }
    }
    const { app } = await startServer(broker, [Quiet]);
    const { client } = await startClient(broker, { requestTimeout: 5_000 });
    expect(await lastValueFrom(client.send(rpc, 'nothing'), { defaultValue: 'no value' })).toBe('no value');
    expect(await firstValueFrom(client.send(rpc, 'answer'))).toBe('answered');
    expect(calls).toEqual(['nothing', 'answer']);
    await app.close();
    expect(await remainingOn(broker, rpc)).toEqual([]);
  });

  it('a StompRecord answer is sent as its data, with its headers and content type', async () => {
    const rpc = `/queue/${uniqueName('record-rpc')}`;
    const replies = `/queue/${uniqueName('record-replies')}`;
    @Controller()
    class Reports {
      @MessagePattern(rpc)
      handle(): StompRecord<string> {
        return new StompRecordBuilder('sku,qty\nA-1,2').setContentType('text/csv').setHeaders({ 'x-report': 'stock' }).build();
      }
    }
    await startServer(broker, [Reports]);
    const requester = await session(broker, '1.2');
    await requester.conn.subscribe(replies, 'r-1', 'auto', undefined, { receipt: true });
    await requester.conn.send(rpc, '{}', { contentType: 'application/json', headers: { 'reply-to': replies, 'correlation-id': 'rec-1' } });
    const reply = await requester.inbox('r-1').next();
    expect(reply.text()).toBe('sku,qty\nA-1,2');
    expect(reply.headers).toMatchObject({ 'content-type': 'text/csv', 'x-report': 'stock', 'correlation-id': 'rec-1' });
    const { client } = await startClient(broker, { requestTimeout: 5_000 });
    expect(await firstValueFrom(client.send(rpc, {}))).toBe('sku,qty\nA-1,2');
  });

  it('an answer that cannot be encoded reaches the requester as an error, once', async () => {
    const rpc = `/queue/${uniqueName('bigint-rpc')}`;
    const calls: string[] = [];
    @Controller()
    class Unencodable {
      @MessagePattern(rpc)
      handle(@Payload() text: string): unknown {
        calls.push(text);
        return text === 'bad' ? { total: BigInt(1) } : 'fine';
      }
    }
    const { app } = await startServer(broker, [Unencodable]);
    const { client } = await startClient(broker, { requestTimeout: 5_000 });
    await expect(firstValueFrom(client.send(rpc, 'bad'))).rejects.toMatchObject({ status: 'error', message: expect.stringContaining('BigInt') });
    expect(await firstValueFrom(client.send(rpc, 'good'))).toBe('fine');
    expect(calls).toEqual(['bad', 'good']);
    await app.close();
    expect(await remainingOn(broker, rpc)).toEqual([]);
  });

  it('streamed answers leave as they are emitted, not when the next one comes', async () => {
    const rpc = `/queue/${uniqueName('stream-rpc')}`;
    const streams = new Inbox<Subscriber<string>>();
    @Controller()
    class Progress {
      @MessagePattern(rpc)
      handle(): Observable<string> {
        return new Observable<string>((subscriber) => {
          subscriber.next('accepted');
          streams.push(subscriber);
        });
      }
    }
    await startServer(broker, [Progress]);
    const { client } = await startClient(broker, { requestTimeout: 10_000 });
    const answers = new Inbox<string>();
    const done = new Promise<void>((resolve, reject) => client.send<string>(rpc, 'go').subscribe({ next: answers.push, error: reject, complete: resolve }));
    expect(await answers.next(5_000, 'the first answer while the stream is still open')).toBe('accepted');
    const stream = await streams.next();
    stream.next('done');
    stream.complete();
    await done;
    expect([await answers.next(), ...answers.pending]).toEqual(['done']);
  });

  it('each streamed answer restarts the request deadline', async () => {
    const rpc = `/queue/${uniqueName('long-stream-rpc')}`;
    @Controller()
    class Ticker {
      @MessagePattern(rpc)
      handle(): Observable<number> {
        // 6 answers 250 ms apart: 1.5 s in all, longer than the 1 s deadline, never 1 s without an answer.
        return interval(250).pipe(take(6), map((i) => i + 1));
      }
    }
    await startServer(broker, [Ticker]);
    const { client } = await startClient(broker, { requestTimeout: 1_000 });
    expect(await lastValueFrom(client.send<number>(rpc, 'go').pipe(toArray()))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('@StompTransactional on a request: an error is answered and the request acknowledged, not handed over again', async () => {
    const rpc = `/queue/${uniqueName('tx-rpc')}`;
    const sideEffects = `/queue/${uniqueName('tx-rpc-out')}`;
    const calls: string[] = [];
    @Controller()
    class Charges {
      @MessagePattern(rpc, { ack: 'client-individual' })
      @StompTransactional()
      async charge(@Payload() text: string, @Ctx() ctx: StompContext): Promise<string> {
        calls.push(text);
        await ctx.send(sideEffects, text);
        if (text === 'declined') throw new RpcException({ code: 'E_DECLINED' });
        return `charged ${text}`;
      }
    }
    const { app } = await startServer(broker, [Charges]);
    const { client } = await startClient(broker, { requestTimeout: 5_000 });
    await expect(firstValueFrom(client.send(rpc, 'declined'))).rejects.toMatchObject({ code: 'E_DECLINED' });
    expect(await firstValueFrom(client.send(rpc, 'ok'))).toBe('charged ok');
    expect(calls).toEqual(['declined', 'ok']);
    await app.close();
    expect(await remainingOn(broker, rpc)).toEqual([]);
    if (broker.nack === 'dead-letter') expect(await remainingOn(broker, `/queue/DLQ.${rpc.slice('/queue/'.length)}`)).toEqual([]);
    // The aborted transaction's send never happened; the committed one did.
    const s = await session(broker, '1.2');
    await s.conn.subscribe(sideEffects, 'out', 'auto', undefined, { receipt: true });
    await s.conn.send(sideEffects, 'marker', { contentType: 'text/plain', receipt: true });
    expect((await s.inbox('out').take(2)).map((f) => f.text())).toEqual(['ok', 'marker']);
  });
});
