import { MessageQueue, type QueueConsumer, type StoredMessage } from '../../lib/testing/message-queue';

const message = (seq: number): StoredMessage => ({ seq, destination: '/queue/q', headers: [], body: Buffer.alloc(0), redelivered: false });

/** Takes everything the queue hands out, once dispatch has run. */
async function drain(queue: MessageQueue): Promise<StoredMessage[]> {
  const taken: StoredMessage[] = [];
  const consumer: QueueConsumer = { canTake: () => true, take: (m) => taken.push(m) };
  queue.addConsumer(consumer);
  await Promise.resolve();
  queue.removeConsumer(consumer);
  return taken;
}

describe('MessageQueue.requeue', () => {
  it('puts messages back at their places, marked redelivered, in one pass over a long backlog', async () => {
    const queue = new MessageQueue();
    const unsettled = 10_000;
    const backlog = 200_000;
    for (let seq = unsettled + 1; seq <= unsettled + backlog; seq++) queue.enqueue(message(seq));
    // Given back in no particular order (a cumulative NACK, then the rest at disconnect), one interleaved with the backlog.
    const back = Array.from({ length: unsettled }, (_, i) => message(unsettled - i));
    queue.enqueue(message(unsettled + backlog + 2));
    back.push(message(unsettled + backlog + 1));

    const started = performance.now();
    queue.requeue(back);
    // One message at a time, each walked back over the whole backlog, this took seconds.
    expect(performance.now() - started).toBeLessThan(1000);

    const out = await drain(queue);
    expect(out.map((m) => m.seq)).toEqual(Array.from({ length: unsettled + backlog + 2 }, (_, i) => i + 1));
    expect(out.filter((m) => m.redelivered).map((m) => m.seq)).toEqual([...Array.from({ length: unsettled }, (_, i) => i + 1), unsettled + backlog + 1]);
  });

  it('puts back what it handed out in front of what still waits, in arrival order', async () => {
    const queue = new MessageQueue();
    for (let seq = 1; seq <= 6; seq++) queue.enqueue(message(seq));
    const handed: StoredMessage[] = [];
    const consumer: QueueConsumer = { canTake: () => handed.length < 3, take: (m) => handed.push(m) };
    queue.addConsumer(consumer);
    await Promise.resolve();
    queue.removeConsumer(consumer);
    queue.requeue([handed[2], handed[0]]);
    const out = await drain(queue);
    expect(out.map((m) => [m.seq, m.redelivered])).toEqual([
      [1, true],
      [3, true],
      [4, false],
      [5, false],
      [6, false],
    ]);
  });
});
