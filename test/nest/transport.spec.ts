import { isDeepStrictEqual } from 'node:util';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException, Transport } from '@nestjs/microservices';
import { EMPTY, firstValueFrom, interval, lastValueFrom, map, take, toArray, type Observable } from 'rxjs';
import { StompConnection, StompContext, StompRecordBuilder, StompStatus, StompTransactional, STOMP_TRANSPORT } from '../../lib';
import { BROKERS, type BrokerTarget } from '../support/brokers';
import { close, closeAll, remainingOn, session, writeRaw } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';
import { closeApps, startClient, startServer } from './harness';

interface Seen {
  data: unknown;
  destination?: string;
  subscription?: string;
  redelivered?: string;
}

describe.each(BROKERS)('Nest transport on $name', (broker) => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  const seenOf = (data: unknown, ctx: StompContext): Seen => ({ data, destination: ctx.getDestination(), subscription: ctx.getSubscription(), redelivered: ctx.getHeaders().redelivered });

  it('delivers emitted events to @EventPattern with the payload decoded by content type', async () => {
    const queue = `/queue/${uniqueName('events')}`;
    const seen = new Inbox<Seen>();
    @Controller()
    class Events {
      @EventPattern<string>(queue)
      handle(@Payload() data: unknown, @Ctx() ctx: StompContext): void {
        seen.push(seenOf(data, ctx));
      }
    }
    const { server } = await startServer(broker, [Events]);
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(queue, { id: 1, items: ['a'] }), { defaultValue: undefined });
    await lastValueFrom(client.emit(queue, 'plain text'), { defaultValue: undefined });
    await lastValueFrom(client.emit(queue, Buffer.from([0, 1, 2])), { defaultValue: undefined });
    await lastValueFrom(client.emit(queue, new StompRecordBuilder({ id: 2 }).setHeaders({ tenant: 't1' }).setPersistent().build()), { defaultValue: undefined });
    const got = await seen.take(4);
    // ActiveMQ keeps order within one persistence mode only: the persistent record may overtake the
    // others (README, "What the brokers do differently").
    const data = got.map((s) => s.data);
    expect(data).toContainEqual({ id: 2 });
    expect(data.filter((d) => !isDeepStrictEqual(d, { id: 2 }))).toEqual([{ id: 1, items: ['a'] }, 'plain text', Buffer.from([0, 1, 2])]);
    expect(got.every((s) => s.destination === queue)).toBe(true);
    expect(server.transportId).toBe(STOMP_TRANSPORT);
    expect(await firstValueFrom(client.status)).toBe(StompStatus.CONNECTED);
  });

  it('hands handlers what the deserializer makes of the body, whether it answers at once or with a Promise', async () => {
    const queue = `/queue/${uniqueName('deser')}`;
    const seen = new Inbox<unknown>();
    @Controller()
    class Events {
      @EventPattern(queue)
      handle(@Payload() data: unknown): void {
        seen.push(data);
      }
    }
    const deserialize = (value: unknown, options?: { channel?: string }): unknown =>
      (value as { slow?: boolean }).slow ? Promise.resolve({ later: value, channel: options?.channel }) : { now: value, channel: options?.channel };
    await startServer(broker, [Events], { deserializer: { deserialize } });
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(queue, { slow: true }), { defaultValue: undefined });
    await lastValueFrom(client.emit(queue, { slow: false }), { defaultValue: undefined });
    const got = await seen.take(2);
    expect(got).toHaveLength(2);
    expect(got).toEqual(expect.arrayContaining([{ later: { slow: true }, channel: queue }, { now: { slow: false }, channel: queue }]));
  });

  it('answers @MessagePattern requests: values, RpcException errors, Observable streams, 100 at once', async () => {
    const rpc = `/queue/${uniqueName('rpc')}`;
    const failing = `/queue/${uniqueName('rpc-fail')}`;
    const stream = `/queue/${uniqueName('rpc-stream')}`;
    @Controller()
    class Rpc {
      @MessagePattern(rpc)
      double(@Payload() n: number): number {
        return n * 2;
      }
      @MessagePattern(failing)
      fail(): never {
        throw new RpcException({ code: 'E_NOPE', message: 'nope' });
      }
      @MessagePattern(stream)
      count(@Payload() n: number): Observable<number> {
        return interval(1).pipe(take(n), map((i) => i + 1));
      }
    }
    await startServer(broker, [Rpc], { concurrency: 20 });
    const { client } = await startClient(broker);
    expect(await firstValueFrom(client.send(rpc, 21))).toBe(42);
    await expect(firstValueFrom(client.send(failing, {}))).rejects.toEqual({ code: 'E_NOPE', message: 'nope' });
    expect(await lastValueFrom(client.send(stream, 4).pipe(toArray()))).toEqual([1, 2, 3, 4]);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => firstValueFrom(client.send<number>(rpc, i))));
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
  });

  it('emits at once with its outcome kept for late subscribers, and sends a request per subscription', async () => {
    const events = `/queue/${uniqueName('hot')}`;
    const rpc = `/queue/${uniqueName('cold')}`;
    const seen = new Inbox<unknown>();
    const asked = new Inbox<number>();
    @Controller()
    class HotAndCold {
      @EventPattern(events)
      event(@Payload() data: unknown): void {
        seen.push(data);
      }
      @MessagePattern(rpc)
      answer(@Payload() n: number): number {
        asked.push(n);
        return n + 1;
      }
    }
    await startServer(broker, [HotAndCold]);
    const { client } = await startClient(broker, { confirm: true });
    // emit: sent without a subscriber; one subscribing after the RECEIPT still hears it completed
    const emitted = client.emit(events, { n: 1 });
    expect(await seen.next()).toEqual({ n: 1 });
    await expect(lastValueFrom(emitted, { defaultValue: 'no value' })).resolves.toBeUndefined();
    // a failed emit nobody subscribed to is no unhandled rejection; a later subscriber gets the error
    const refused = client.emit(events, { n: 10n });
    await expect(lastValueFrom(client.emit(events, { n: 2 }), { defaultValue: undefined })).resolves.toBeUndefined();
    await expect(lastValueFrom(refused)).rejects.toMatchObject({ name: 'StompUsageError' });
    expect(await seen.next()).toEqual({ n: 2 });
    // send: nothing leaves before a subscription, and each subscription asks once
    const request = client.send<number>(rpc, 1);
    expect(await firstValueFrom(client.send<number>(rpc, 5))).toBe(6);
    expect(await asked.next()).toBe(5);
    expect(await Promise.all([firstValueFrom(request), firstValueFrom(request)])).toEqual([2, 2]);
    expect(await asked.take(2)).toEqual([1, 1]);
    expect(asked.pending).toEqual([]);
  });

  it('fails a request cleanly when no reply comes in time, and drops the late reply', async () => {
    const slow = `/queue/${uniqueName('rpc-slow')}`;
    const release = new Inbox<true>();
    @Controller()
    class Slow {
      @MessagePattern(slow)
      async answer(): Promise<string> {
        await release.next(20_000);
        return 'late';
      }
    }
    await startServer(broker, [Slow]);
    const { client } = await startClient(broker, { requestTimeout: 300 });
    await expect(firstValueFrom(client.send(slow, 'x'))).rejects.toMatchObject({ name: 'StompTimeoutError', code: 'STOMP_ERR_TIMEOUT' });
    release.push(true);
    await expect(firstValueFrom(client.send(`/queue/${uniqueName('nobody')}`, 'y'))).rejects.toMatchObject({ code: 'STOMP_ERR_TIMEOUT' });
  });

  it('acks after success and nacks on failure, with the broker deciding what a NACK means', async () => {
    const queue = `/queue/${uniqueName('acks')}`;
    const seen = new Inbox<Seen>();
    let failures = 0;
    @Controller()
    class Acks {
      @EventPattern<string>(queue)
      async handle(@Payload() data: string, @Ctx() ctx: StompContext): Promise<void> {
        seen.push(seenOf(data, ctx));
        if (data === 'poison' && failures++ === 0) throw new Error('first attempt fails');
      }
    }
    await startServer(broker, [Acks]);
    const s = await session(broker, '1.2');
    // Both persistent: ActiveMQ keeps persistent and non-persistent messages in separate cursors and
    // may deliver them out of order (seen: 'poison' before 'good' when only it was persistent).
    await s.conn.send(queue, 'good', { contentType: 'text/plain', receipt: true, headers: { persistent: 'true' } });
    await s.conn.send(queue, 'poison', { contentType: 'text/plain', receipt: true, headers: { persistent: 'true' } });
    expect((await seen.take(2)).map((x) => x.data)).toEqual(['good', 'poison']);
    if (broker.nack === 'requeue') {
      const again = await seen.next();
      expect(again).toMatchObject({ data: 'poison', redelivered: 'true' });
    } else {
      const dead = await s.conn.subscribe(`/queue/DLQ.${queue.slice('/queue/'.length)}`, 'dlq', 'auto', undefined, { receipt: true }).then(() => s.inbox('dlq').next());
      expect(dead.text()).toBe('poison');
    }
    await s.conn.send(queue, 'end', { contentType: 'text/plain', receipt: true });
    expect((await seen.next()).data).toBe('end');
  });

  it('lets a manual-ack handler settle through the context, and refuses settling twice', async () => {
    const queue = `/queue/${uniqueName('manual')}`;
    const results = new Inbox<string>();
    @Controller()
    class Manual {
      @EventPattern<string>(queue, { manualAck: true, ack: 'client-individual' })
      async handle(@Payload() data: string, @Ctx() ctx: StompContext): Promise<void> {
        if (data === 'keep') return results.push('left');
        await ctx.ack();
        const twice = await ctx.ack().catch((e: Error & { code?: string }) => e.code);
        results.push(`${data}:${twice}`);
      }
    }
    await startServer(broker, [Manual]);
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(queue, 'a'), { defaultValue: undefined });
    expect(await results.next()).toBe('a:STOMP_ERR_INVALID_STATE');
  });

  it('runs @StompTransactional handlers in a transaction: one copy on success, none on failure', async () => {
    const input = `/queue/${uniqueName('tx-in')}`;
    const output = `/queue/${uniqueName('tx-out')}`;
    const attempts = new Inbox<Seen>();
    let failed = false;
    @Controller()
    class Forwarder {
      @EventPattern<string>(input, { ack: 'client-individual' })
      @StompTransactional()
      async forward(@Payload() order: { id: number; fail?: boolean }, @Ctx() ctx: StompContext): Promise<void> {
        attempts.push(seenOf(order, ctx));
        await ctx.send(output, { forwarded: order.id });
        if (order.fail && !failed) {
          failed = true;
          throw new Error('fails after sending');
        }
      }
    }
    await startServer(broker, [Forwarder]);
    const s = await session(broker, '1.2');
    await s.conn.subscribe(output, 'out', 'auto', undefined, { receipt: true });
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(input, new StompRecordBuilder({ id: 1, fail: true }).setPersistent().build()), { defaultValue: undefined });
    expect((await attempts.next()).data).toEqual({ id: 1, fail: true });
    if (broker.nack === 'requeue') {
      // RabbitMQ requeues the NACKed message: the second attempt succeeds and forwards exactly once.
      expect(await attempts.next()).toMatchObject({ data: { id: 1, fail: true }, redelivered: 'true' });
    } else {
      // ActiveMQ Classic dead-letters a NACKed message at once.
      await s.conn.subscribe(`/queue/DLQ.${input.slice('/queue/'.length)}`, 'dlq', 'auto', undefined, { receipt: true });
      expect((await s.inbox('dlq').next()).text()).toContain('"id":1');
    }
    await lastValueFrom(client.emit(input, { id: 2 }), { defaultValue: undefined });
    const forwarded = await s.inbox('out').take(broker.nack === 'requeue' ? 2 : 1);
    expect(forwarded.map((f) => JSON.parse(f.text()))).toEqual(broker.nack === 'requeue' ? [{ forwarded: 1 }, { forwarded: 2 }] : [{ forwarded: 2 }]);
    await lastValueFrom(client.emit(output, { marker: true }), { defaultValue: undefined });
    expect(JSON.parse((await s.inbox('out').next()).text())).toEqual({ marker: true });
  });

  it('under cumulative client ack on STOMP 1.0 (no NACK), a failed message is not covered by a later ACK', async () => {
    const queue = `/queue/${uniqueName('cumulative-left')}`;
    const attempts = new Inbox<number>();
    @Controller()
    class Fails {
      @EventPattern<string>(queue, { ack: 'client', concurrency: 2 })
      async handle(@Payload() n: number): Promise<void> {
        attempts.push(n);
        if (n === 1) throw new Error('left for redelivery');
      }
    }
    const { app } = await startServer(broker, [Fails], { version: '1.0' });
    const s = await session(broker, '1.2');
    await s.conn.send(queue, '1', { contentType: 'application/json', receipt: true });
    expect(await attempts.next()).toBe(1);
    await s.conn.send(queue, '2', { contentType: 'application/json', receipt: true });
    expect(await attempts.next()).toBe(2);
    await app.close();
    // Both come back: the failed one, and the success whose ACK would have acknowledged it too.
    expect((await remainingOn(broker, queue)).sort()).toEqual(['1', '2']);
  });

  it('routes a wildcard topic subscription by subscription id, with the concrete destination and the pattern in the context', async () => {
    const base = uniqueName('orders').replace(/-/g, '_');
    const seen = new Inbox<Seen>();
    const patterns: string[] = [];
    @Controller()
    class Wildcard {
      @EventPattern<string>(`/topic/${base}.*`, { ack: 'auto' })
      handle(@Payload() data: unknown, @Ctx() ctx: StompContext): void {
        patterns.push(ctx.getPattern());
        seen.push(seenOf(data, ctx));
      }
    }
    await startServer(broker, [Wildcard]);
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(`/topic/${base}.created`, { n: 1 }), { defaultValue: undefined });
    await lastValueFrom(client.emit(`/topic/${base}.paid`, { n: 2 }), { defaultValue: undefined });
    const got = await seen.take(2);
    expect(got.map((s) => s.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(got.map((s) => s.destination)).toEqual([`/topic/${base}.created`, `/topic/${base}.paid`]);
    expect(patterns).toEqual([`/topic/${base}.*`, `/topic/${base}.*`]);
    expect(new Set(got.map((s) => s.subscription)).size).toBe(1);
  });

  it('close() while a handler runs lets it finish and loses nothing', async () => {
    const queue = `/queue/${uniqueName('close')}`;
    const started = new Inbox<string>();
    const finish = new Inbox<true>();
    const done: string[] = [];
    @Controller()
    class Slow {
      @EventPattern<string>(queue)
      async handle(@Payload() data: string): Promise<void> {
        started.push(data);
        await finish.next(20_000);
        done.push(data);
      }
    }
    const { app } = await startServer(broker, [Slow]);
    const s = await session(broker, '1.2');
    for (const body of ['one', 'two', 'three']) await s.conn.send(queue, body, { contentType: 'text/plain', receipt: true });
    expect(await started.next()).toBe('one');
    const closing = app.close();
    finish.push(true);
    await closing;
    expect(done).toEqual(['one']);
    // Nothing was lost: what the server did not handle is still on the broker.
    await s.conn.subscribe(queue, 'rest', 'client-individual', undefined, { receipt: true });
    const rest = await s.inbox('rest').take(2);
    expect(rest.map((f) => f.text())).toEqual(['two', 'three']);
    for (const frame of rest) await s.conn.ack(frame);
  });

  it('close() still handles what an ack-auto subscription received, and leaves the rest on the broker', async () => {
    const queue = `/queue/${uniqueName('close-auto')}`;
    const started = new Inbox<string>();
    const finish = new Inbox<true>();
    const done: string[] = [];
    @Controller()
    class Slow {
      @EventPattern<string>(queue, { ack: 'auto' })
      async handle(@Payload() data: string): Promise<void> {
        started.push(data);
        if (data === '1') await finish.next(20_000);
        done.push(data);
      }
    }
    const { app } = await startServer(broker, [Slow]);
    const s = await session(broker, '1.2');
    const sent = ['1', '2', '3', '4', '5'];
    for (const body of sent) await s.conn.send(queue, body, { contentType: 'text/plain', receipt: true });
    expect(await started.next()).toBe('1');
    const closing = app.close();
    finish.push(true);
    await closing;
    // The broker counted whatever it pushed to the auto subscription as consumed: all of it was handled.
    expect([...done, ...(await remainingOn(broker, queue))]).toEqual(sent);
  });

  if (broker.name !== 'embedded') {
    it('keeps a durable topic subscription across restarts: a stable subscription id, CONNECT headers from the options', async () => {
      const topic = `/topic/${uniqueName('durable')}`;
      const name = uniqueName('durable-sub');
      // RabbitMQ names the subscription's queue after its id; ActiveMQ keys it by client-id and name.
      const headers: Record<string, string> = broker.name === 'rabbitmq' ? { durable: 'true', 'auto-delete': 'false', id: name } : { 'activemq.subscriptionName': name };
      const options = { connectHeaders: { 'client-id': name } };
      const seen = new Inbox<{ data: unknown; subscription?: string }>();
      @Controller()
      class Durable {
        @EventPattern<string>(topic, { headers })
        handle(@Payload() data: unknown, @Ctx() ctx: StompContext): void {
          seen.push({ data, subscription: ctx.getSubscription() });
        }
      }
      const first = await startServer(broker, [Durable], options);
      await first.app.close();
      const s = await session(broker, '1.2');
      await s.conn.send(topic, 'while away', { contentType: 'text/plain', headers: { persistent: 'true' }, receipt: true });
      await startServer(broker, [Durable], options);
      expect(await seen.next(10_000, 'the message sent while the app was down')).toEqual({ data: 'while away', subscription: broker.name === 'rabbitmq' ? name : 'nest-0' });
      await closeApps();
      await dropDurableSubscription(broker, topic, headers, name);
    });
  }

  if (broker.name === 'rabbitmq') {
    it.each(['client-individual', 'auto'] as const)('close() with a busy queue (%s): no broker error, and a message RabbitMQ dropped on its way is counted', async (ack) => {
      const queue = `/queue/${uniqueName('close-busy')}`;
      const s = await session(broker, '1.2');
      const sent = Array.from({ length: 2000 }, (_, i) => String(i));
      for (const [i, body] of sent.entries()) await s.conn.send(queue, body, { contentType: 'text/plain', receipt: i === sent.length - 1 });
      const handled: string[] = [];
      const first = new Inbox<true>();
      @Controller()
      class Busy {
        @EventPattern<string>(queue, { ack })
        handle(@Payload() data: string): void {
          handled.push(data);
          first.push(true);
        }
      }
      const logged: string[] = [];
      const capture = (message: unknown): void => void logged.push(String(message));
      const { app, server } = await startServer(broker, [Busy], {}, { log: capture, error: capture, warn: capture });
      const errors: unknown[] = [];
      server.on('error', (error) => errors.push(error));
      await first.next();
      await app.close();

      expect(errors).toEqual([]);
      expect(logged.filter((line) => /ERROR|disconnect:/.test(line))).toEqual([]);
      const dropped = logged.map((line) => /RabbitMQ dropped (\d+) messages of /.exec(line)?.[1]).filter((n) => n !== undefined).map(Number);
      // Client acks get theirs back; ack auto loses them, and close() says how many.
      if (ack !== 'auto') expect(dropped).toEqual([]);
      const rest = await remainingOn(broker, queue);
      expect(handled.length + rest.length + dropped.reduce((a, b) => a + b, 0)).toBe(sent.length);
      expect(new Set([...handled, ...rest]).size).toBe(handled.length + rest.length);
    });
  }

  it('close() with nothing running warns of nothing, however short shutdownTimeout is', async () => {
    const queue = `/queue/${uniqueName('close-idle')}`;
    @Controller()
    class Idle {
      @EventPattern<string>(queue)
      handle(): void {}
    }
    const logged: string[] = [];
    const capture = (message: unknown): void => void logged.push(String(message));
    const { app } = await startServer(broker, [Idle], { shutdownTimeout: 1 }, { log: capture, error: capture, warn: capture });
    await app.close();
    expect(logged.filter((line) => line.includes('close()'))).toEqual([]);
  });

  it('runs Nest processing hooks around every message, with what the client dispatch hook attached (Nest 12)', async () => {
    const events = `/queue/${uniqueName('hooked-events')}`;
    const rpc = `/queue/${uniqueName('hooked-rpc')}`;
    const trail: string[] = [];
    @Controller()
    class Hooked {
      @EventPattern<string>(events)
      onEvent(@Payload() data: string): void {
        trail.push(`handle ${data}`);
      }
      @MessagePattern(rpc)
      answer(@Payload() data: string): string {
        trail.push(`handle ${data}`);
        return data;
      }
    }
    const { app, server } = await startServer(broker, [Hooked]);
    server.setOnProcessingStartHook((transportId, context, done) => {
      const ctx = context as StompContext;
      trail.push(`start ${String(transportId === STOMP_TRANSPORT)} ${ctx.getDestination() === rpc ? 'rpc' : 'event'} ${ctx.getMetadata().traceparent ?? 'none'}`);
      return done();
    });
    const ended = new Inbox<string>();
    server.setOnProcessingEndHook((_transportId, context) => {
      const kind = (context as StompContext).getDestination() === rpc ? 'rpc' : 'event';
      ended.push(`end ${kind}`);
      // A failing hook is the instrumentation's problem: the handled message is still ACKed, not handed over again.
      if (kind === 'event') throw new Error('end hook fails');
    });
    const { client } = await startClient(broker, { confirm: true });
    // Nest 11 has no dispatch hook; Nest 12's lets instrumentation attach metadata, which travels as headers.
    const withDispatchHook = client as unknown as { setOnDispatchHook?(hook: (packet: { metadata?: Record<string, string> }) => void): void };
    withDispatchHook.setOnDispatchHook?.((packet) => (packet.metadata = { traceparent: '00-trace-1' }));
    const traced = withDispatchHook.setOnDispatchHook === undefined ? 'none' : '00-trace-1';
    await lastValueFrom(client.emit(events, 'e'), { defaultValue: undefined });
    trail.push(await ended.next());
    expect(await firstValueFrom(client.send(rpc, 'r'))).toBe('r');
    trail.push(await ended.next());
    expect(trail).toEqual([`start true event ${traced}`, 'handle e', 'end event', `start true rpc ${traced}`, 'handle r', 'end rpc']);
    await app.close();
    expect(await remainingOn(broker, events)).toEqual([]);
  });

  it('NACKs a message whose async start hook failed before calling done, and runs an end hook set alone', async () => {
    const events = `/queue/${uniqueName('failing-hook')}`;
    const handled = new Inbox<string>();
    @Controller()
    class Handled {
      @EventPattern<string>(events)
      onEvent(@Payload() data: string): void {
        handled.push(data);
      }
    }
    const { server } = await startServer(broker, [Handled]);
    const ended = new Inbox<string>();
    server.setOnProcessingEndHook((_transportId, context) => ended.push((context as StompContext).getDestination()!));
    let failures = 0;
    server.setOnProcessingStartHook(async (_transportId, _context, done) => {
      if (failures++ === 0) throw new Error('tracer unavailable');
      return done();
    });
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(events, 'first'), { defaultValue: undefined });
    if (broker.nack === 'requeue') {
      // NACKed without running the handler, redelivered, and handled with the hooks working again.
      expect(await handled.next()).toBe('first');
    } else {
      const s = await session(broker, '1.2');
      await s.conn.subscribe(`/queue/DLQ.${events.slice('/queue/'.length)}`, 'dlq', 'auto', undefined, { receipt: true });
      expect((await s.inbox('dlq').next()).text()).toContain('first');
      await lastValueFrom(client.emit(events, 'second'), { defaultValue: undefined });
      expect(await handled.next()).toBe('second');
    }
    expect(await ended.next()).toBe(events);
    expect(failures).toBe(2);
  });

  it('takes only its own handlers in a hybrid app (transportId)', async () => {
    const mine = `/queue/${uniqueName('mine')}`;
    const tcp = `/queue/${uniqueName('tcp')}`;
    @Controller()
    class Hybrid {
      @EventPattern<string>(mine, STOMP_TRANSPORT)
      onStomp(): void {}
      @EventPattern<string>(tcp, Transport.TCP)
      onTcp(): void {}
    }
    const { server } = await startServer(broker, [Hybrid]);
    const destinations = [...server.unwrap<StompConnection>().getSubscriptions().values()].map((s) => s.destination);
    expect(destinations).toEqual([mine]);
  });

  it('runs every @EventPattern handler of a destination on each message, one after the other, and settles it once all ran', async () => {
    const queue = `/queue/${uniqueName('two-listeners')}`;
    const trail = new Inbox<string>();
    const gate = new Inbox<true>();
    let failures = 0;
    @Controller()
    class Audit {
      @EventPattern<string>(queue)
      record(@Payload() data: string): Observable<never> {
        trail.push(`audit ${data}`);
        if (data === 'bad' && failures++ === 0) throw new Error('audit fails once');
        // Completes without a value: the message is not done until the other handler is.
        return EMPTY;
      }
    }
    @Controller()
    class Billing {
      @EventPattern<string>(queue)
      async bill(@Payload() data: string): Promise<void> {
        trail.push(`billing ${data}`);
        if (data === 'bad' && failures === 1) await gate.next(10_000);
        trail.push(`billed ${data}`);
      }
    }
    const { app, server } = await startServer(broker, [Audit, Billing]);
    server.unwrap<StompConnection>().setListener('settled', { onSend: (frame) => ['ACK', 'NACK'].includes(frame.command) && trail.push(frame.command) });
    const { client } = await startClient(broker, { confirm: true });
    await lastValueFrom(client.emit(queue, 'bad'), { defaultValue: undefined });
    expect(await trail.take(2)).toEqual(['audit bad', 'billing bad']);
    // While billing still runs nothing is settled; Nest's own chaining NACKed at the first failure,
    // and the broker handed the message over again next to the running handler.
    await expect(trail.next(300)).rejects.toThrow(/timed out/);
    gate.push(true);
    expect(await trail.take(2)).toEqual(['billed bad', 'NACK']);
    if (broker.nack === 'requeue') expect(await trail.take(4)).toEqual(['audit bad', 'billing bad', 'billed bad', 'ACK']);
    await app.close();
    expect(await remainingOn(broker, queue)).toEqual([]);
  });

  it('fails at start-up on a non-string pattern, a destination two handlers cannot share, or a subscription id given twice', async () => {
    const queue = `/queue/${uniqueName('dup')}`;
    @Controller()
    class Twice {
      @MessagePattern(queue)
      a(): number {
        return 1;
      }
      @EventPattern<string>(queue)
      b(): void {}
    }
    await expect(startServer(broker, [Twice])).rejects.toThrow(/two handlers/);
    @Controller()
    class Unlike {
      @EventPattern<string>(queue, { ack: 'auto' })
      a(): void {}
      @EventPattern<string>(queue, { ack: 'client-individual' })
      b(): void {}
    }
    await expect(startServer(broker, [Unlike])).rejects.toThrow(/same subscription settings/);
    @Controller()
    class ObjectPattern {
      @MessagePattern({ cmd: 'sum' })
      sum(): number {
        return 1;
      }
    }
    await expect(startServer(broker, [ObjectPattern])).rejects.toThrow(/destinations such as/);
    @Controller()
    class SameId {
      @EventPattern<string>(queue, { headers: { id: 'shared' } })
      a(): void {}
      @EventPattern<string>(`${queue}-other`, { headers: { id: 'shared' } })
      b(): void {}
    }
    await expect(startServer(broker, [SameId])).rejects.toThrow(/subscription id shared of .+ is already used for/);
  });

});

/** Deletes a durable topic subscription: an UNSUBSCRIBE that says so (RabbitMQ: `durable`; ActiveMQ: the name, same client-id). */
async function dropDurableSubscription(broker: BrokerTarget, topic: string, headers: Record<string, string>, clientId: string): Promise<void> {
  const s = await session(broker, '1.2', { connectHeaders: { 'client-id': clientId } });
  const id = headers.id ?? 'drop';
  await s.conn.subscribe(topic, id, 'auto', headers, { receipt: true });
  if (broker.name === 'rabbitmq') {
    await s.conn.unsubscribe(id, { headers: { durable: 'true' }, receipt: true });
  } else {
    // ActiveMQ removes only an inactive one: end it first, then name it in an UNSUBSCRIBE of its own.
    await s.conn.unsubscribe(id, { receipt: true });
    writeRaw(s.conn, `UNSUBSCRIBE\nid:${id}\nactivemq.subscriptionName:${headers['activemq.subscriptionName']}\n\n\0`);
  }
  // An ERROR for the UNSUBSCRIBE would fail the DISCONNECT's receipt.
  await close(s);
}
