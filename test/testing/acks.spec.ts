import type { AckMode, Frame } from '../../lib';
import { close, closeAll, session, writeRaw, type Session } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';
import { cleanUp, startBroker, targetOf } from './harness';

describe('EmbeddedBroker: ack modes, prefetch, NACK and redelivery', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  async function subscribe(s: Session, destination: string, ack: AckMode, headers: Record<string, string> = {}): Promise<Inbox<Frame>> {
    const id = uniqueName('sub');
    await s.conn.subscribe(destination, id, ack, headers, { receipt: true });
    return s.inbox(id);
  }

  async function sendAll(s: Session, destination: string, bodies: string[]): Promise<void> {
    for (const body of bodies) await s.conn.send(destination, body, { receipt: true });
  }

  const summary = (frames: Frame[]): string[] => frames.map((f) => `${f.text()}${f.header('redelivered') === 'true' ? '*' : ''}`);

  it('auto: a delivered message is consumed, nothing comes back after a reconnect', async () => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('auto')}`;
    const s = await session(targetOf(broker), '1.2');
    await sendAll(s, queue, ['m1', 'm2']);
    expect(summary(await (await subscribe(s, queue, 'auto')).take(2))).toEqual(['m1', 'm2']);
    await close(s);
    const again = await session(targetOf(broker), '1.2');
    const inbox = await subscribe(again, queue, 'auto');
    await sendAll(again, queue, ['end']);
    expect(summary(await inbox.take(1))).toEqual(['end']);
  });

  it.each(['1.0', '1.1', '1.2'] as const)('client (STOMP %s): ACK is cumulative; unacked messages come back redelivered after a disconnect', async (version) => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('client')}`;
    const s = await session(targetOf(broker), version);
    await sendAll(s, queue, ['m1', 'm2', 'm3', 'm4']);
    const [, second] = await (await subscribe(s, queue, 'client')).take(4);
    await s.conn.ack(second, undefined, { receipt: true });
    await close(s);
    const again = await session(targetOf(broker), version);
    expect(summary(await (await subscribe(again, queue, 'auto')).take(2))).toEqual(['m3*', 'm4*']);
  });

  it('client-individual: ACK settles one message; UNSUBSCRIBE gives the others back, in order', async () => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('individual')}`;
    const s = await session(targetOf(broker), '1.2');
    await sendAll(s, queue, ['m1', 'm2', 'm3', 'm4']);
    const id = uniqueName('sub');
    await s.conn.subscribe(queue, id, 'client-individual', undefined, { receipt: true });
    const [m1, , m3] = await s.inbox(id).take(4);
    await s.conn.ack(m3);
    await s.conn.ack(m1);
    await s.conn.unsubscribe(id, { receipt: true });
    expect(summary(await (await subscribe(s, queue, 'auto')).take(2))).toEqual(['m2*', 'm4*']);
  });

  it.each(['prefetch-count', 'activemq.prefetchSize'])('limits unacked messages in flight per subscription with %s', async (header) => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('prefetch')}`;
    const s = await session(targetOf(broker), '1.2');
    await sendAll(s, queue, ['m1', 'm2', 'm3', 'm4', 'm5']);
    const slow = await subscribe(s, queue, 'client-individual', { [header]: '2' });
    const held = await slow.take(2);
    // The slow subscription is full, so a second consumer gets everything else.
    const other = await session(targetOf(broker), '1.2');
    const fast = await subscribe(other, queue, 'auto');
    expect(summary(await fast.take(3))).toEqual(['m3', 'm4', 'm5']);
    expect(summary(held)).toEqual(['m1', 'm2']);
    expect(slow.pending).toEqual([]);
    // An ACK opens the window again.
    await close(other);
    await sendAll(s, queue, ['m6']);
    await s.conn.ack(held[0]);
    expect(summary(await slow.take(1))).toEqual(['m6']);
  });

  it('NACK requeues and redelivers with redelivered:true; NACK with requeue:false drops', async () => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('nack')}`;
    const s = await session(targetOf(broker), '1.2');
    await sendAll(s, queue, ['poison', 'dropped']);
    const inbox = await subscribe(s, queue, 'client-individual', { 'prefetch-count': '1' });
    const first = await inbox.next();
    expect(summary([first])).toEqual(['poison']);
    await s.conn.nack(first, undefined, { receipt: true });
    const again = await inbox.next();
    expect(summary([again])).toEqual(['poison*']);
    await s.conn.ack(again);
    const dropped = await inbox.next();
    await s.conn.nack(dropped, undefined, { headers: { requeue: 'false' }, receipt: true });
    await sendAll(s, queue, ['end']);
    const end = await inbox.next();
    expect(summary([end])).toEqual(['end']);
    await s.conn.ack(end, undefined, { receipt: true });
  });

  it('NACK in client mode is cumulative too, and the messages come back in their order', async () => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('nack-client')}`;
    const s = await session(targetOf(broker), '1.1');
    await sendAll(s, queue, ['m1', 'm2', 'm3']);
    const inbox = await subscribe(s, queue, 'client');
    const [, second] = await inbox.take(3);
    await s.conn.nack(second, undefined, { receipt: true });
    const back = await inbox.take(2);
    expect(summary(back)).toEqual(['m1*', 'm2*']);
    await s.conn.ack(back[1], undefined, { receipt: true });
  });

  it('answers an ACK for an unknown or auto-acked message with ERROR and closes', async () => {
    const broker = await startBroker();
    const queue = `/queue/${uniqueName('unknown')}`;
    const s = await session(targetOf(broker), '1.2');
    const auto = await subscribe(s, queue, 'auto');
    await sendAll(s, queue, ['m1']);
    const message = await auto.next();
    const errors = new Inbox<Frame>();
    const gone = new Inbox<true>();
    s.conn.setListener('t', { onError: errors.push, onDisconnected: () => gone.push(true) });
    // The engine itself refuses both: write the frames past it.
    writeRaw(s.conn, `ACK\nid:${message.header('message-id')}\nreceipt:r-9\n\n\0`);
    const error = await errors.next();
    expect(error.header('message')).toBe(`ACK for unknown message ${message.header('message-id')}`);
    expect(error.header('receipt-id')).toBe('r-9');
    await gone.next();
    const again = await session(targetOf(broker), '1.1');
    const closed = new Inbox<Frame>();
    again.conn.setListener('t', { onError: closed.push });
    writeRaw(again.conn, 'NACK\nmessage-id:nope\nsubscription:x\n\n\0');
    expect((await closed.next()).header('message')).toBe('NACK for unknown message nope');
  });
});
