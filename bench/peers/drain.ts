/**
 * Empties queues a stalled run left behind on ActiveMQ (RabbitMQ's are deleted by rabbitmqctl at the
 * end of the run): subscribes with ack auto and reads until nothing arrived for a second (10 s at most).
 */
import { connectPeer } from './clients';
import { main, parseArgs, report, sleep, str } from '../support/child';
import { endpointOf } from '../support/endpoints';

main(async () => {
  const args = parseArgs();
  const endpoint = endpointOf(str(args, 'broker'));
  const queues = str(args, 'queues').split(',');
  const peer = await connectPeer('raw', endpoint);
  let count = 0;
  let last = Date.now();
  for (const [i, queue] of queues.entries()) {
    await peer.subscribe(`/queue/${queue}`, `drain-${i}`, 'auto', {}, () => {
      count++;
      last = Date.now();
    });
  }
  const start = Date.now();
  while (Date.now() - last < 1000 && Date.now() - start < 10_000) await sleep(100);
  await peer.close();
  report({ drained: count });
});
