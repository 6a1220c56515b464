/**
 * Workload 2, request/response over a STOMP client library (the peers of ClientStomp.send →
 * @MessagePattern): a responder connection answers each request on its `reply-to` with its
 * `correlation-id`; a requester connection sends --n requests, --concurrency at a time (1: one after
 * the other, for latency), and matches replies by correlation id. Both in this process. --warmup
 * requests go first, untimed.
 */
import { connectPeer } from './clients';
import { main, num, parseArgs, latencyFigures, report, str } from '../support/child';
import { endpointOf } from '../support/endpoints';

main(async () => {
  const args = parseArgs();
  const kind = str(args, 'peer');
  const endpoint = endpointOf(str(args, 'broker'));
  const n = num(args, 'n');
  const concurrency = num(args, 'concurrency', 1);
  const requests = `/queue/${str(args, 'queue')}`;
  const replies = `${requests}.reply`;

  const responder = await connectPeer(kind, endpoint);
  await responder.subscribe(requests, 'req', 'auto', {}, (message) => {
    const replyTo = responder.header(message, 'reply-to')!;
    void responder.send(replyTo, Buffer.from(responder.bodyText(message)), { 'correlation-id': responder.header(message, 'correlation-id')! });
  });
  const requester = await connectPeer(kind, endpoint);
  const pending = new Map<string, (at: bigint) => void>();
  await requester.subscribe(replies, 'rep', 'auto', {}, (message) => {
    const id = requester.header(message, 'correlation-id')!;
    const resolve = pending.get(id);
    if (resolve) {
      pending.delete(id);
      resolve(process.hrtime.bigint());
    }
  });

  let next = 0;
  const latencies: number[] = [];
  const one = async (record: boolean): Promise<void> => {
    const id = `c-${next++}`;
    const start = process.hrtime.bigint();
    const replied = new Promise<bigint>((resolve) => pending.set(id, resolve));
    await requester.send(requests, Buffer.from(`{"i":${next}}`), { 'reply-to': replies, 'correlation-id': id });
    const end = await replied;
    if (record) latencies.push(Number(end - start) / 1000);
  };
  const run = async (count: number, record: boolean): Promise<void> => {
    let issued = 0;
    const lane = async (): Promise<void> => {
      while (issued < count) {
        issued++;
        await one(record);
        if (record && latencies.length % 500 === 0) process.stdout.write(`@@PROGRESS ${latencies.length}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  };
  await run(num(args, 'warmup', Math.min(50, n)), false);
  const t0 = process.hrtime.bigint();
  await run(n, true);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all([requester.close(), responder.close()]);
  report(latencyFigures(latencies, n, seconds));
});
