/**
 * Workload 4b, a slow consumer: --n messages are pushed to a queue by a producer process (the raw
 * client, as fast as the broker takes them) while this process consumes with client-individual
 * acks and prefetch --prefetch, taking --delay ms per message, for --seconds. Flow control works
 * when this process's RSS stays flat: the backlog waits at the broker, not here. Reports RSS one
 * second in (baseline) and its peak after that. The rest of the queue is then drained fast.
 *   --peer ours        engine StompConnection, ack after the delay
 *   --peer nest        ServerStomp @EventPattern (client-individual, concurrency 1, so prefetch 1), async handler
 *   --peer stompjs     @stomp/stompjs with the prefetch headers
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { connectPeer } from './clients';
import { BENCH_DIR, main, num, parseArgs, report, sleep, str } from '../support/child';
import { endpointOf } from '../support/endpoints';

main(async () => {
  const args = parseArgs();
  const broker = str(args, 'broker');
  const endpoint = endpointOf(broker);
  const n = num(args, 'n');
  const destination = `/queue/${str(args, 'queue')}`;
  if (args.role === 'producer') {
    const producer = await connectPeer('raw', endpoint);
    await producer.sendMany!(destination, Buffer.alloc(100, 'x'), n);
    await producer.close();
    report({ sent: n });
  }
  const kind = str(args, 'peer');
  const prefetch = num(args, 'prefetch', 100);
  const delay = num(args, 'delay', 1);
  const seconds = num(args, 'seconds', 10);
  let fast = false;
  let consumed = 0;
  const samples: number[] = [];
  let close: () => Promise<void>;

  if (kind === 'nest') {
    const { Controller, Module } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    const { EventPattern, Payload } = await import('@nestjs/microservices');
    const { ServerStomp } = await import('../../lib/nest');
    @Controller()
    class SlowController {
      @EventPattern(destination, { ack: 'client-individual', concurrency: 1 })
      async onEvent(@Payload() _data: unknown): Promise<void> {
        if (!fast) await sleep(delay);
        consumed++;
      }
    }
    @Module({ controllers: [SlowController] })
    class SlowModule {}
    const app = await NestFactory.createMicroservice(SlowModule, {
      strategy: new ServerStomp({ hosts: [[endpoint.host, endpoint.port]], login: endpoint.login, passcode: endpoint.passcode, reconnectAttemptsMax: 1 }),
      logger: ['error', 'warn'],
    });
    await app.listen();
    close = () => app.close();
  } else {
    const consumer = await connectPeer(kind, endpoint);
    const headers = { 'prefetch-count': String(prefetch), 'activemq.prefetchSize': String(prefetch) };
    // at most `prefetch` messages are in hand; each is acked `delay` ms after it arrived, one after the other
    const queue: unknown[] = [];
    let busy = false;
    const work = async (): Promise<void> => {
      busy = true;
      while (queue.length > 0) {
        const message = queue.shift();
        if (!fast) await sleep(delay);
        consumer.ack(message);
        consumed++;
      }
      busy = false;
    };
    await consumer.subscribe(destination, 'slow-0', 'client-individual', headers, (message) => {
      queue.push(message);
      if (!busy) void work();
    });
    close = () => consumer.close();
  }

  const producer = spawn(process.execPath, [path.join(BENCH_DIR, '..', 'scripts', 'run-ts.js'), __filename, ...process.argv.slice(2), '--role', 'producer'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(100);
    samples.push(process.memoryUsage.rss());
    process.stdout.write(`@@PROGRESS ${consumed}\n`);
  }
  const slowConsumed = consumed;
  // drain the rest quickly, so the broker is left with an empty queue
  fast = true;
  while (consumed < n) {
    await sleep(100);
    process.stdout.write(`@@PROGRESS ${consumed}\n`);
  }
  await new Promise<void>((resolve) => (producer.exitCode !== null ? resolve() : producer.once('exit', () => resolve())));
  await close();
  const baseline = samples[Math.min(9, samples.length - 1)];
  const later = samples.slice(10);
  const peak = Math.max(...later, baseline);
  report({
    n,
    seconds,
    slowConsumed,
    slowMsgsPerSec: slowConsumed / seconds,
    baselineRssMb: baseline / 2 ** 20,
    peakRssMb: peak / 2 ** 20,
    rssGrowthMb: (peak - baseline) / 2 ** 20,
    lastRssMb: samples[samples.length - 1] / 2 ** 20,
  });
});
