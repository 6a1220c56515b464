import type { Frame } from '../../lib';
import { closeAll, session, type Session } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';
import { cleanUp, RawClient, startBroker, targetOf } from './harness';

describe('EmbeddedBroker: queues, topics and MESSAGE headers', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  async function subscribe(s: Session, destination: string, id = uniqueName('sub'), headers: Record<string, string> = {}): Promise<Inbox<Frame>> {
    await s.conn.subscribe(destination, id, 'auto', headers, { receipt: true });
    return s.inbox(id);
  }

  const texts = (frames: Frame[]): string[] => frames.map((f) => f.text());

  it('keeps queue messages sent with no subscriber until one subscribes', async () => {
    const s = await session(targetOf(await startBroker()), '1.2');
    const queue = `/queue/${uniqueName('kept')}`;
    for (const body of ['m1', 'm2', 'm3']) await s.conn.send(queue, body, { receipt: true });
    expect(texts(await (await subscribe(s, queue)).take(3))).toEqual(['m1', 'm2', 'm3']);
  });

  it('shares a queue among competing consumers, round-robin', async () => {
    const broker = await startBroker();
    const [a, b] = [await session(targetOf(broker), '1.2'), await session(targetOf(broker), '1.1')];
    const queue = `/queue/${uniqueName('rr')}`;
    const [inboxA, inboxB] = [await subscribe(a, queue), await subscribe(b, queue)];
    for (const body of ['m1', 'm2', 'm3', 'm4']) await a.conn.send(queue, body, { receipt: true });
    expect(texts(await inboxA.take(2))).toEqual(['m1', 'm3']);
    expect(texts(await inboxB.take(2))).toEqual(['m2', 'm4']);
  });

  it('fans a topic message out to the current subscribers only', async () => {
    const broker = await startBroker();
    const [a, b] = [await session(targetOf(broker), '1.2'), await session(targetOf(broker), '1.0')];
    const topic = `/topic/${uniqueName('news')}`;
    await a.conn.send(topic, 'nobody listens', { receipt: true });
    const [inboxA, inboxB] = [await subscribe(a, topic), await subscribe(b, topic)];
    await a.conn.send(topic, 'news', { receipt: true });
    expect(texts([await inboxA.next(), await inboxB.next()])).toEqual(['news', 'news']);
  });

  it('matches topic wildcards word by word: * one word, # and > any number, with the concrete destination', async () => {
    const s = await session(targetOf(await startBroker()), '1.2');
    const base = uniqueName('w');
    // `base.*` first: a delivery it should not get would reach the socket before the others' last one.
    const patterns = ['*', '#', '>', '*.x'];
    const inboxes = await Promise.all(patterns.map((p, i) => subscribe(s, `/topic/${base}.${p}`, `w${i}`)));
    for (const word of ['a', 'a.x', '', 'end', 'end.x']) await s.conn.send(`/topic/${base}${word && '.'}${word}`, word || '(base)', { receipt: true });
    const destinationsOf = async (inbox: Inbox<Frame>, count: number): Promise<string[]> => (await inbox.take(count)).map((f) => f.header('destination')!.slice(`/topic/${base}`.length));
    expect(await destinationsOf(inboxes[0], 2)).toEqual(['.a', '.end']);
    expect(await destinationsOf(inboxes[1], 5)).toEqual(['.a', '.a.x', '', '.end', '.end.x']);
    expect(await destinationsOf(inboxes[2], 5)).toEqual(['.a', '.a.x', '', '.end', '.end.x']);
    expect(await destinationsOf(inboxes[3], 2)).toEqual(['.a.x', '.end.x']);
    expect(inboxes.map((inbox) => inbox.pending.length)).toEqual([0, 0, 0, 0]);
  });

  it('sets subscription, unique message-id, destination, ack (1.2, client acks) and redelivered, and keeps the sender headers', async () => {
    const broker = await startBroker();
    const s = await session(targetOf(broker), '1.2');
    const queue = `/queue/${uniqueName('hdr')}`;
    await s.conn.subscribe(queue, 'individual', 'client-individual', undefined, { receipt: true });
    const body = Buffer.from([0, 1, 2, 0, 255]);
    await s.conn.send(queue, body, { contentType: 'application/octet-stream', headers: { 'x-trace': 't-1', persistent: 'true', 'message-id': 'forged' }, receipt: true });
    await s.conn.send(queue, 'second', { receipt: true });
    const [first, second] = await s.inbox('individual').take(2);
    expect(first.entries.slice(0, 5)).toEqual([
      ['subscription', 'individual'],
      ['message-id', first.header('message-id')],
      ['destination', queue],
      ['ack', first.header('message-id')],
      ['redelivered', 'false'],
    ]);
    expect(first.headers).toMatchObject({ 'content-type': 'application/octet-stream', 'x-trace': 't-1', persistent: 'true', 'content-length': '5' });
    expect(first.header('receipt')).toBeUndefined();
    expect(first.entries.filter(([name]) => name === 'message-id')).toHaveLength(1);
    expect(first.body.equals(body)).toBe(true);
    expect(second.header('message-id')).not.toBe(first.header('message-id'));
    await s.conn.ack(first);
    await s.conn.ack(second);
    // No ack header for auto subscriptions, nor on 1.1 (which acks by message-id).
    const older = await session(targetOf(broker), '1.1');
    const plain = `/queue/${uniqueName('plain')}`;
    const auto = await subscribe(s, plain);
    const individual11 = `/queue/${uniqueName('hdr11')}`;
    await older.conn.subscribe(individual11, 'i11', 'client-individual', undefined, { receipt: true });
    await s.conn.send(plain, 'x', { receipt: true });
    await s.conn.send(individual11, 'y', { receipt: true });
    expect((await auto.next()).header('ack')).toBeUndefined();
    const eleven = await older.inbox('i11').next();
    expect(eleven.header('ack')).toBeUndefined();
    await older.conn.ack(eleven, undefined, { receipt: true });
  });

  it('passes header values between versions: escaped on 1.1/1.2, 1.2-escaped to a 1.0 receiver (as RabbitMQ), dropped where a version cannot carry them', async () => {
    const broker = await startBroker();
    const sender = await session(targetOf(broker), '1.2');
    const receivers = await Promise.all((['1.0', '1.1', '1.2'] as const).map((v) => session(targetOf(broker), v)));
    const topic = `/topic/${uniqueName('esc')}`;
    const inboxes = await Promise.all(receivers.map((r) => subscribe(r, topic, 'esc')));
    await sender.conn.send(topic, 'x', { headers: { 'x-lf': 'a:b\nc', 'x-cr': 'carriage\rreturn', 'x-plain': 'a:b' }, receipt: true });
    const [v10, v11, v12] = await Promise.all(inboxes.map((inbox) => inbox.next()));
    expect(v12.headers).toMatchObject({ 'x-lf': 'a:b\nc', 'x-cr': 'carriage\rreturn', 'x-plain': 'a:b' });
    expect(v11.headers).toMatchObject({ 'x-lf': 'a:b\nc', 'x-plain': 'a:b' });
    expect(v11.header('x-cr')).toBeUndefined();
    expect(v10.headers).toMatchObject({ 'x-lf': 'a\\cb\\nc', 'x-cr': 'carriage\\rreturn', 'x-plain': 'a:b' });
  });

  it('delivers to a wildcard subscriber a topic name its version cannot carry (LF on 1.0, CR on 1.0/1.1), percent-encoded as RabbitMQ does', async () => {
    const broker = await startBroker();
    const sender = await session(targetOf(broker), '1.2');
    const receivers = await Promise.all((['1.0', '1.1', '1.2'] as const).map((v) => session(targetOf(broker), v)));
    const topic = `/topic/${uniqueName('crlf')}`;
    const inboxes = await Promise.all(receivers.map((r) => subscribe(r, `${topic}.*`, 'crlf')));
    await sender.conn.send(`${topic}.a\nb`, 'lf', { receipt: true });
    await sender.conn.send(`${topic}.c\rd`, 'cr', { receipt: true });
    const destinations = await Promise.all(inboxes.map(async (inbox) => (await inbox.take(2)).map((f) => f.header('destination'))));
    expect(destinations).toEqual([
      [`${topic}.a%0Ab`, `${topic}.c%0Dd`],
      [`${topic}.a\nb`, `${topic}.c%0Dd`],
      [`${topic}.a\nb`, `${topic}.c\rd`],
    ]);
  });

  it('refuses a destination outside /queue/, /topic/ and /temp-queue/ with ERROR', async () => {
    const raw = await RawClient.connected(await startBroker());
    raw.write('SEND\ndestination:/exchange/amq.direct/x\nreceipt:r-1\n\nbody\0');
    const error = await raw.expectError();
    expect(error.header('message')).toBe('unknown destination /exchange/amq.direct/x');
    expect(error.header('receipt-id')).toBe('r-1');
  });
});
