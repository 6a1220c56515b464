/**
 * Workload 1, engine one-way throughput: one client library in this process, a consumer connection
 * subscribed to a fresh queue and a producer connection sending --n messages of --body bytes to it.
 * First --warmup messages go through untimed (the JIT's warm-up, for every peer alike). Then it
 * reports msgs/s from the first send to the last receive (every message must arrive) and this
 * process's CPU time (user + sys) per message over the same span: the client's cost, apart from the
 * broker's. `--as-event yes` sends what `ClientStomp.emit` writes for the Nest workload's events instead
 * of --body bytes: a JSON body such as {"i":12345} with `content-type: application/json`.
 */
import { connectPeer, type AckMode, type Endpoint } from './clients';
import { cpuSince, main, num, parseArgs, profiled, report, rssSampler, str } from '../support/child';
import { endpointOf } from '../support/endpoints';

main(async () => {
  const args = parseArgs();
  const kind = str(args, 'peer');
  const endpoint: Endpoint = endpointOf(str(args, 'broker'));
  const n = num(args, 'n');
  const size = num(args, 'body');
  const ack = str(args, 'ack') as AckMode;
  const prefetch = num(args, 'prefetch', 1000);
  const destination = `/queue/${str(args, 'queue')}`;
  const warmup = num(args, 'warmup', 0);
  // the raw clients only count frames
  const rawClient = kind === 'raw' || kind === 'raw-each';
  const asEvent = str(args, 'as-event', 'no') === 'yes';
  const body = asEvent ? Buffer.from(JSON.stringify({ i: 12_345 })) : Buffer.alloc(size, 'x');
  const sendHeaders = asEvent ? { 'content-type': 'application/json' } : undefined;

  const consumer = await connectPeer(kind, endpoint);
  const producer = await connectPeer(kind, endpoint);
  let received = 0;
  let bytes = 0;
  let target = warmup;
  let t1 = 0n;
  let done: () => void = () => undefined;
  const progress = setInterval(() => process.stdout.write(`@@PROGRESS ${received}\n`), 1000);
  const headers: Record<string, string> = ack === 'auto' ? {} : { 'prefetch-count': String(prefetch), 'activemq.prefetchSize': String(prefetch) };
  await consumer.subscribe(destination, 'bench-0', ack, headers, (message) => {
    if (ack !== 'auto') consumer.ack(message);
    received++;
    if (!rawClient) bytes += consumer.bodyText(message).length;
    if (received === target) {
      t1 = process.hrtime.bigint();
      done();
    }
  });
  const sendAll = async (count: number): Promise<void> => {
    if (producer.sendMany) await producer.sendMany(destination, body, count, sendHeaders);
    else for (let i = 0; i < count; i++) await producer.send(destination, body, sendHeaders);
  };
  if (warmup > 0) {
    const warmed = new Promise<void>((resolve) => (done = resolve));
    await sendAll(warmup);
    await warmed;
  }
  received = 0;
  bytes = 0;
  target = n;
  const all = new Promise<void>((resolve) => (done = resolve));

  // RSS: the baseline once connected and subscribed, the peak sampled every 20 ms during the run
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = process.memoryUsage.rss();
  const rss = rssSampler(20);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let sent = 0n;
  await profiled(async () => {
    await sendAll(n);
    sent = process.hrtime.bigint();
    await all;
  });
  const cpuUs = cpuSince(cpu0);
  const peakRss = rss.stop();
  clearInterval(progress);
  const seconds = Number(t1 - t0) / 1e9;
  if (!rawClient && bytes !== n * body.length) throw new Error(`received ${bytes} body bytes, expected ${n * body.length}`);
  await Promise.all([producer.close(), consumer.close()]);
  report({
    n,
    seconds,
    msgsPerSec: n / seconds,
    sendSeconds: Number(sent - t0) / 1e9,
    cpuUsPerMsg: cpuUs / n,
    baselineRssMb: baselineRss / 2 ** 20,
    peakRssMb: peakRss / 2 ** 20,
    rssGrowthMb: (peakRss - baselineRss) / 2 ** 20,
  });
});
