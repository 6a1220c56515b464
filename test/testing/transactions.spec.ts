import type { Frame } from '../../lib';
import { close, closeAll, session } from '../support/session';
import { uniqueName } from '../support/wait';
import { cleanUp, RawClient, startBroker, targetOf } from './harness';

describe('EmbeddedBroker: transactions', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  const summary = (frames: Frame[]): string[] => frames.map((f) => `${f.text()}${f.header('redelivered') === 'true' ? '*' : ''}`);

  it('applies a SEND at COMMIT, not before, and never after ABORT', async () => {
    const s = await session(targetOf(await startBroker()), '1.2');
    const queue = `/queue/${uniqueName('tx')}`;
    await s.conn.subscribe(queue, 'q', 'auto', undefined, { receipt: true });
    const committed = await s.conn.begin();
    const aborted = await s.conn.begin();
    await s.conn.send(queue, 'in-tx', { transaction: committed, receipt: true });
    await s.conn.send(queue, 'aborted', { transaction: aborted, receipt: true });
    await s.conn.send(queue, 'outside', { receipt: true });
    expect(summary([await s.inbox('q').next()])).toEqual(['outside']);
    await s.conn.abort(aborted, { receipt: true });
    await s.conn.commit(committed, { receipt: true });
    await s.conn.send(queue, 'end', { receipt: true });
    expect(summary(await s.inbox('q').take(2))).toEqual(['in-tx', 'end']);
  });

  it('applies an ACK at COMMIT; after ABORT the message is still unacknowledged', async () => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('tx-ack')}`;
    const s = await session(targetOf(broker), '1.2');
    for (const body of ['kept', 'acked']) await s.conn.send(queue, body, { receipt: true });
    await s.conn.subscribe(queue, 'q', 'client-individual', undefined, { receipt: true });
    const [kept, acked] = await s.inbox('q').take(2);
    const aborted = await s.conn.begin();
    await s.conn.ack(kept, undefined, { transaction: aborted });
    await s.conn.abort(aborted, { receipt: true });
    const committed = await s.conn.begin();
    await s.conn.ack(acked, undefined, { transaction: committed });
    await s.conn.commit(committed, { receipt: true });
    await close(s);
    const again = await session(targetOf(broker), '1.2');
    await again.conn.subscribe(queue, 'q', 'auto', undefined, { receipt: true });
    await again.conn.send(queue, 'end', { receipt: true });
    expect(summary(await again.inbox('q').take(2))).toEqual(['kept*', 'end']);
  });

  it('applies a NACK at COMMIT: the message comes back then', async () => {
    const s = await session(targetOf(await startBroker()), '1.2');
    const queue = `/queue/${uniqueName('tx-nack')}`;
    await s.conn.send(queue, 'poison', { receipt: true });
    await s.conn.subscribe(queue, 'q', 'client-individual', undefined, { receipt: true });
    const message = await s.inbox('q').next();
    const tx = await s.conn.begin();
    await s.conn.nack(message, undefined, { transaction: tx, receipt: true });
    expect(s.inbox('q').pending).toEqual([]);
    await s.conn.commit(tx);
    const again = await s.inbox('q').next();
    expect(summary([again])).toEqual(['poison*']);
    await s.conn.ack(again, undefined, { receipt: true });
  });

  it.each([
    ['COMMIT of an unknown transaction', 'COMMIT\ntransaction:nope\n\n\0', 'unknown transaction nope'],
    ['ABORT of an unknown transaction', 'ABORT\ntransaction:nope\n\n\0', 'unknown transaction nope'],
    ['SEND in an unknown transaction', 'SEND\ndestination:/queue/x\ntransaction:nope\n\nx\0', 'unknown transaction nope'],
    ['BEGIN of an open transaction', 'BEGIN\ntransaction:t1\n\n\0BEGIN\ntransaction:t1\n\n\0', 'transaction t1 is already open'],
    ['BEGIN without a transaction header', 'BEGIN\n\n\0', 'BEGIN without transaction header'],
  ])('answers %s with ERROR and closes', async (_what, frames, message) => {
    const raw = await RawClient.connected(await startBroker());
    raw.write(frames);
    expect((await raw.expectError()).header('message')).toBe(message);
  });
});
