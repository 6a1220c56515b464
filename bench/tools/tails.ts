/**
 * Where do a Node client's p99 round trips go? Sequential request/response (as bench/peers/rpc.ts)
 * with every garbage collection and the event loop's delay recorded, so the slowest round trips can
 * be matched with what overlapped them, and where in the run the slow ones fall.
 *   node [--max-semi-space-size=N] scripts/run-ts.js bench/tools/tails.ts --peer ours --broker activemq --n 2000 [--warmup 100] [--split]
 * (--split: the responder runs in a second process; --warmup: round trips before the measured ones)
 */
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { connectPeer } from '../peers/clients';
import { parseArgs, percentile } from '../support/child';
import { endpointOf } from '../support/endpoints';

async function run(): Promise<void> {
  const args = parseArgs();
  const kind = args.peer ?? 'ours';
  const endpoint = endpointOf(args.broker ?? 'activemq');
  const n = Number(args.n ?? 2000);
  const warmup = Number(args.warmup ?? 100);
  const queue = `/queue/nsbench-tails-${process.pid}`;
  const queueName = args.queue ? `/queue/${args.queue}` : queue;
  if (args.role === 'responder') {
    const responder = await connectPeer(kind, endpoint);
    await responder.subscribe(queueName, 'req', 'auto', {}, (m) => {
      void responder.send(responder.header(m, 'reply-to')!, Buffer.from(responder.bodyText(m)), { 'correlation-id': responder.header(m, 'correlation-id')! });
    });
    process.stdout.write('ready\n');
    return;
  }
  // --split: the responder in a process of its own, as it would be in production
  let child: import('node:child_process').ChildProcess | undefined;
  let responder: Awaited<ReturnType<typeof connectPeer>> | undefined;
  if (args.split) {
    const { spawn } = await import('node:child_process');
    child = spawn(process.execPath, [...process.execArgv, require('node:path').join(__dirname, '..', '..', 'scripts', 'run-ts.js'), __filename, '--role', 'responder', '--peer', kind, '--broker', args.broker ?? 'activemq', '--queue', queueName.slice(7)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child!.stdout!.once('data', () => resolve()));
  } else {
    responder = await connectPeer(kind, endpoint);
    const r = responder;
    await r.subscribe(queueName, 'req', 'auto', {}, (m) => {
      void r.send(r.header(m, 'reply-to')!, Buffer.from(r.bodyText(m)), { 'correlation-id': r.header(m, 'correlation-id')! });
    });
  }
  const requester = await connectPeer(kind, endpoint);
  let wake: (() => void) | null = null;
  await requester.subscribe(`${queueName}.reply`, 'rep', 'auto', {}, () => wake?.());

  const gcs: Array<{ start: number; end: number; kind: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind: number } }>) gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: e.detail?.kind ?? 0 });
  });
  observer.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const trips: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < n + warmup; i++) {
    if (i === warmup) {
      gcs.length = 0;
      loop.enable();
    }
    const start = performance.now();
    const replied = new Promise<void>((resolve) => (wake = resolve));
    await requester.send(queueName, Buffer.from(`{"i":${i}}`), { 'reply-to': `${queueName}.reply`, 'correlation-id': `c-${i}` });
    await replied;
    if (i >= warmup) trips.push({ start, end: performance.now() });
  }
  loop.disable();
  observer.disconnect();
  const us = trips.map((t) => (t.end - t.start) * 1000).sort((a, b) => a - b);
  const p99 = percentile(us, 99);
  const slow = trips.filter((t) => (t.end - t.start) * 1000 >= p99);
  const withGc = slow.filter((t) => gcs.some((g) => g.start < t.end && g.end > t.start));
  const gcMs = gcs.map((g) => g.end - g.start).sort((a, b) => a - b);
  // round trips over 1 ms in each tenth of the measured run: a JIT warming up shows as a front-loaded count
  const overMsPerTenth = Array.from({ length: 10 }, (_, tenth) =>
    trips.slice(Math.floor((tenth * n) / 10), Math.floor(((tenth + 1) * n) / 10)).filter((t) => t.end - t.start > 1).length,
  );
  console.log(
    JSON.stringify({
      peer: kind,
      split: Boolean(args.split),
      broker: args.broker ?? 'activemq',
      n,
      warmup,
      p50Us: percentile(us, 50),
      p99Us: p99,
      maxUs: us[us.length - 1],
      slowest1pct: slow.length,
      slowestOverlappingAGc: withGc.length,
      gcCount: gcs.length,
      gcMedianMs: percentile(gcMs, 50),
      gcMaxMs: gcMs[gcMs.length - 1] ?? 0,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      overMsPerTenth,
    }),
  );
  await Promise.all([requester.close(), responder?.close()]);
  child?.kill();
  process.exit(0);
}

void run();
