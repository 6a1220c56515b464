/**
 * Workload 1, engine one-way throughput: one client library in this process, a consumer connection
 * subscribed to a fresh queue and a producer connection sending --n messages of --body bytes to it.
 * Reports msgs/s from the first send to the last receive (every message must arrive) and this
 * process's CPU time (user + sys) per message over the same span: the client's cost, apart from the
 * broker's.
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
  const body = Buffer.alloc(size, 'x');

  const consumer = await connectPeer(kind, endpoint);
  const producer = await connectPeer(kind, endpoint);
  let received = 0;
  let bytes = 0;
  let t1 = 0n;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const progress = setInterval(() => process.stdout.write(`@@PROGRESS ${received}\n`), 1000);
  const headers: Record<string, string> = ack === 'auto' ? {} : { 'prefetch-count': String(prefetch), 'activemq.prefetchSize': String(prefetch) };
  await consumer.subscribe(destination, 'bench-0', ack, headers, (message) => {
    if (ack !== 'auto') consumer.ack(message);
    received++;
    if (kind !== 'raw') bytes += consumer.bodyText(message).length;
    if (received === n) {
      t1 = process.hrtime.bigint();
      done();
    }
  });

  // RSS: the baseline once connected and subscribed, the peak sampled every 20 ms during the run
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = process.memoryUsage.rss();
  const rss = rssSampler(20);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let sent = 0n;
  await profiled(async () => {
    if (producer.sendMany) {
      await producer.sendMany(destination, body, n);
    } else {
      for (let i = 0; i < n; i++) await producer.send(destination, body);
    }
    sent = process.hrtime.bigint();
    await all;
  });
  const cpuUs = cpuSince(cpu0);
  const peakRss = rss.stop();
  clearInterval(progress);
  const seconds = Number(t1 - t0) / 1e9;
  if (kind !== 'raw' && bytes !== n * size) throw new Error(`received ${bytes} body bytes, expected ${n * size}`);
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
