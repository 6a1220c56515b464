/**
 * Workload 2, the Nest path: a Nest microservice and a ClientProxy in this process.
 *   --transport stomp      ClientStomp → ServerStomp (ours), handler subscription with ack auto
 *   --transport stomp-ack  the same with ack client-individual, concurrency (= prefetch) 1000 for
 *                          events and 100 for requests
 *   --transport rmq        Nest's RMQ transport (amqplib) on RabbitMQ's AMQP port, noAck
 *   --transport tcp        Nest's TCP transport, no broker (the floor of the Nest layer)
 *   --op emit  --n N       client.emit → @EventPattern; N events with at most 1,000 in flight
 *   --op rpc   --n N --concurrency C   client.send → @MessagePattern; C requests in flight
 *   --reply-to plain  (stomp) replies to a plain queue the client subscribes to, not to the
 *                     default temp queue: RabbitMQ routes /temp-queue/ replies more slowly
 *   --warmup W  events or requests sent first, untimed
 */
import 'reflect-metadata';
import '../support/experiments'; // before lib/nest: BENCH_EXPERIMENT prototypes patch what it loads
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientRMQ, ClientTCP, EventPattern, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientStomp, ServerStomp } from '../../lib/nest';
import { main, num, parseArgs, latencyFigures, profiled, report, str } from '../support/child';
import { endpointOf } from '../support/endpoints';
import { resolvePeersFromBench } from '../support/nest-peers';

const EMIT_WINDOW = 1000;

main(async () => {
  const args = parseArgs();
  const transport = str(args, 'transport');
  const op = str(args, 'op');
  const n = num(args, 'n');
  const concurrency = num(args, 'concurrency', 1);
  const queue = str(args, 'queue');
  const broker = endpointOf(str(args, 'broker', 'rabbitmq'));
  const stomp = transport === 'stomp' || transport === 'stomp-ack';
  const replyOptions = str(args, 'reply-to', 'temp') === 'plain' ? { replyTo: `/queue/${queue}.replies`, subscribeReplyTo: true } : {};
  // --content-length always: JSON with content-length (a BytesMessage on ActiveMQ) instead of the
  // transport's text without it (a TextMessage), for what that costs the broker.
  const wire = str(args, 'content-length', 'default') === 'always' ? { autoContentLength: true } : {};
  const pattern = stomp ? `/queue/${queue}` : queue;
  if (transport === 'rmq') resolvePeersFromBench();

  let handled = 0;
  let t1 = 0n;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const extras = transport === 'stomp' ? { ack: 'auto', concurrency: 100 } : transport === 'stomp-ack' ? { ack: 'client-individual', concurrency: 1000 } : {};

  @Controller()
  class BenchController {
    @EventPattern(`${pattern}.events`, extras)
    onEvent(@Payload() data: { i?: number }): void {
      if (typeof data?.i !== 'number') throw new Error(`bad payload ${JSON.stringify(data)}`);
      handled++;
      if (handled === target) {
        t1 = process.hrtime.bigint();
        done();
      }
    }

    @MessagePattern(`${pattern}.rpc`, stomp ? { ack: transport === 'stomp' ? 'auto' : 'client-individual', concurrency: 100 } : {})
    onRequest(@Payload() data: { i: number }): { i: number; ok: boolean } {
      return { i: data.i, ok: true };
    }
  }
  @Module({ controllers: [BenchController] })
  class BenchModule {}

  const tcpPort = 40_000 + (process.pid % 20_000);
  const credentials = { hosts: [[broker.host, broker.port]] as [[string, number]], login: broker.login, passcode: broker.passcode };
  const server =
    transport === 'tcp'
      ? { transport: Transport.TCP, options: { host: '127.0.0.1', port: tcpPort } }
      : transport === 'rmq'
        ? { transport: Transport.RMQ, options: { urls: [endpointOf('rabbitmq').amqpUrl], queue, noAck: true, prefetchCount: 1000, queueOptions: { durable: false, autoDelete: true } } }
        : { strategy: new ServerStomp({ ...credentials, reconnectAttemptsMax: 1, ...wire }) };
  const app = await NestFactory.createMicroservice(BenchModule, { ...(server as object), logger: ['error', 'warn'] });
  await app.listen();
  const client = (
    transport === 'tcp'
      ? new ClientTCP({ host: '127.0.0.1', port: tcpPort })
      : transport === 'rmq'
        ? new ClientRMQ({ urls: [endpointOf('rabbitmq').amqpUrl], queue, queueOptions: { durable: false, autoDelete: true } })
        : new ClientStomp({ ...credentials, reconnectAttemptsMax: 1, ...replyOptions, ...wire })
  ) as unknown as ClientProxy;
  await client.connect();

  const warmup = num(args, 'warmup', Math.min(200, n));
  let target = warmup;
  if (op === 'emit') {
    const emitAll = async (count: number): Promise<void> => {
      let inflight = 0;
      let wake: (() => void) | null = null;
      for (let i = 0; i < count; i++) {
        while (inflight >= EMIT_WINDOW) await new Promise<void>((resolve) => (wake = resolve));
        inflight++;
        lastValueFrom(client.emit(`${pattern}.events`, { i }), { defaultValue: undefined }).then(
          () => {
            inflight--;
            const w = wake;
            wake = null;
            w?.();
          },
          (error: Error) => process.stderr.write(`emit: ${error.message}\n`),
        );
      }
    };
    if (warmup > 0) {
      await emitAll(warmup);
      await all;
    }
    handled = 0;
    target = n;
    const again = new Promise<void>((resolve) => (done = resolve));
    const progress = setInterval(() => process.stdout.write(`@@PROGRESS ${handled}\n`), 1000);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await profiled(async () => {
      await emitAll(n);
      await again;
    });
    const cpu = process.cpuUsage(cpu0);
    clearInterval(progress);
    const seconds = Number(t1 - t0) / 1e9;
    await client.close();
    await app.close();
    report({ n, seconds, msgsPerSec: n / seconds, cpuUsPerMsg: (cpu.user + cpu.system) / n });
  }

  const latencies: number[] = [];
  const request = async (i: number, record: boolean): Promise<void> => {
    const start = process.hrtime.bigint();
    const reply = await lastValueFrom(client.send(`${pattern}.rpc`, { i }));
    if ((reply as { i: number }).i !== i) throw new Error(`reply ${JSON.stringify(reply)} for ${i}`);
    if (record) latencies.push(Number(process.hrtime.bigint() - start) / 1000);
  };
  const run = async (count: number, record: boolean): Promise<void> => {
    let issued = 0;
    const lane = async (): Promise<void> => {
      while (issued < count) {
        const i = issued++;
        await request(i, record);
        if (record && latencies.length % 500 === 0) process.stdout.write(`@@PROGRESS ${latencies.length}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  };
  await run(warmup, false);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await profiled(() => run(n, true));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  await app.close();
  report({ ...latencyFigures(latencies, n, seconds), cpuUsPerReq: (cpu.user + cpu.system) / n });
});
