import { Frame, type StompConnection } from '../../lib';
import { SubscriptionWorker, type Outcome, type WorkerSettings } from '../../lib/nest/subscription-worker';

/** A settlement the test decides when to finish. */
interface Pending<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function pending<T>(): Pending<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const message = (id: string): Frame => new Frame('MESSAGE', [['message-id', id], ['ack', id]], Buffer.alloc(0));
const session = (name: string): Frame => new Frame('CONNECTED', [['session', name]], Buffer.alloc(0));

/** The connection as the worker sees it: ACK and NACK recorded, each ACK held until the test lets it go. */
function fakeConnection(): { conn: StompConnection; sent: string[]; acks: Array<Pending<void>>; setSession(frame: Frame): void } {
  const sent: string[] = [];
  const acks: Array<Pending<void>> = [];
  let current = session('one');
  const conn = {
    get connected() {
      return current;
    },
    version: '1.2',
    ack: (frame: Frame) => {
      sent.push(`ACK ${frame.header('message-id')}`);
      const ack = pending<void>();
      acks.push(ack);
      return ack.promise;
    },
    nack: async (frame: Frame) => void sent.push(`NACK ${frame.header('message-id')}`),
  } as unknown as StompConnection;
  return { conn, sent, acks, setSession: (frame) => (current = frame) };
}

/** A worker whose handler for each message finishes when the test says, with the outcome it says. */
function workerOn(conn: StompConnection, settings: WorkerSettings): { worker: SubscriptionWorker; finish(id: string, outcome: Outcome): void; started: string[] } {
  const runs = new Map<string, Pending<Outcome>>();
  const started: string[] = [];
  const worker = new SubscriptionWorker(
    conn,
    settings,
    (frame) => {
      const id = frame.header('message-id')!;
      started.push(id);
      const run = pending<Outcome>();
      runs.set(id, run);
      return run.promise;
    },
    () => undefined,
  );
  return { worker, started, finish: (id, outcome) => runs.get(id)!.resolve(outcome) };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SubscriptionWorker', () => {
  it('cumulative ack: settling passes run one at a time, so no ACK covers a failure before its NACK', async () => {
    const { conn, sent, acks } = fakeConnection();
    const { worker, finish } = workerOn(conn, { ack: 'client', manualAck: false, concurrency: 3 });
    for (const id of ['1', '2', '3']) worker.deliver(message(id));
    finish('2', 'nack');
    await turn();
    finish('1', 'ack');
    await turn();
    // ACK 1 is written and held; message 3 finishes meanwhile.
    finish('3', 'ack');
    await turn();
    for (let i = 0; i < 3; i++) {
      acks.forEach((ack) => ack.resolve());
      await turn();
    }
    await worker.idle();
    expect(sent).toEqual(['ACK 1', 'NACK 2', 'ACK 3']);
  });

  it('does not handle a client-ack message that waited here across a reconnect: the broker redelivers it', async () => {
    const { conn, sent, acks, setSession } = fakeConnection();
    const { worker, finish, started } = workerOn(conn, { ack: 'client-individual', manualAck: false, concurrency: 1 });
    worker.deliver(message('1'));
    worker.deliver(message('2'));
    setSession(session('two'));
    finish('1', 'ack');
    await turn();
    acks.forEach((ack) => ack.resolve());
    await worker.idle();
    expect(started).toEqual(['1']);
    expect(sent).toEqual(['ACK 1']);
  });

  it('keeps nothing per message for manual acks under cumulative ack mode', async () => {
    const { conn } = fakeConnection();
    const { worker, finish } = workerOn(conn, { ack: 'client', manualAck: true, concurrency: 10 });
    for (let i = 0; i < 10; i++) worker.deliver(message(String(i)));
    for (let i = 0; i < 10; i++) finish(String(i), 'settled');
    await worker.idle();
    expect((worker as unknown as { inOrder: unknown[] }).inOrder).toEqual([]);
  });
});
