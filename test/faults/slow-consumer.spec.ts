import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { StompConnection } from '../../lib';
import { BROKERS } from '../support/brokers';
import { report } from '../support/figures';
import { closeAll, session } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';
import { closeApps, startServer } from '../nest/harness';

const QUEUED = 100_000;
const CONCURRENCY = 4;
const HANDLED_IN_WINDOW = 200;
const MB = 1024 * 1024;

describe.each(BROKERS)('slow consumer on $name', (broker) => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  it(`keeps memory flat with ${QUEUED} messages queued: prefetch and concurrency hold delivery back`, async () => {
    const queue = `/queue/${uniqueName('slow')}`;
    const producer = await session(broker, '1.2');
    const body = Buffer.alloc(100, 0x61);
    const queuedStart = performance.now();
    for (let i = 0; i < QUEUED; i++) await producer.conn.send(queue, body, { receipt: i === QUEUED - 1 });
    const queuedMs = performance.now() - queuedStart;

    let running = 0;
    let peakRunning = 0;
    let handledCount = 0;
    // The handlers are as slow as the test makes them: each finishes only when the test lets one go.
    const gate = new Inbox<true>();
    const handled = new Inbox<true>();
    @Controller()
    class Slow {
      @EventPattern<string>(queue)
      async handle(@Payload() _data: unknown): Promise<void> {
        peakRunning = Math.max(peakRunning, ++running);
        await gate.next(60_000, 'the test to release a handler');
        running -= 1;
        handledCount += 1;
        handled.push(true);
      }
    }
    const rssBefore = process.memoryUsage().rss;
    const { app, server } = await startServer(broker, [Slow], { concurrency: CONCURRENCY });
    let received = 0;
    server.unwrap<StompConnection>().setListener('count', { onMessage: () => received++ });
    for (let i = 0; i < HANDLED_IN_WINDOW; i++) {
      gate.push(true);
      await handled.next(10_000, `handled message ${i + 1}`);
    }
    const rssAfter = process.memoryUsage().rss;
    const receivedInWindow = received;
    const handledInWindow = handledCount;
    // Let the handlers still waiting finish, so close() does not wait out its timeout.
    for (let i = 0; i < CONCURRENCY; i++) gate.push(true);
    await app.close();

    expect(peakRunning).toBeLessThanOrEqual(CONCURRENCY);
    // The broker sends a message only when a handler slot frees up: never more than prefetch ahead.
    expect(receivedInWindow).toBeLessThanOrEqual(handledInWindow + CONCURRENCY + 1);
    expect((rssAfter - rssBefore) / MB).toBeLessThan(50);
    report(`slow consumer ${broker.name}`, {
      queued: QUEUED,
      queue_fill_ms: Math.round(queuedMs),
      concurrency: CONCURRENCY,
      handled: handledInWindow,
      received_from_broker: receivedInWindow,
      peak_running: peakRunning,
      rss_before_mb: (rssBefore / MB).toFixed(1),
      rss_after_mb: (rssAfter / MB).toFixed(1),
    });

    // Leave nothing behind: drain the rest quickly.
    const drain = await session(broker, '1.2', { maxWriteBufferBytes: 64 * MB });
    let drained = 0;
    const empty = new Inbox<true>();
    const remaining = QUEUED - handledInWindow;
    drain.conn.setListener('drain', { onMessage: () => ++drained >= remaining - CONCURRENCY && empty.push(true) });
    await drain.conn.subscribe(queue, 'drain', 'auto');
    await empty.next(120_000, 'the queue to drain');
  }, 240_000);
});
