import { Frame, StompUsageError, type AckMode } from '../../lib';
import { deleteRabbitQueue } from '../support/broker-control';
import { BROKER_VERSIONS } from '../support/brokers';
import { close, closeAll, session, type Session } from '../support/session';
import { Inbox, uniqueName, within } from '../support/wait';

describe.each(BROKER_VERSIONS)('engine on %s', (_label, broker, version) => {
  afterEach(closeAll);

  const escapes = version !== '1.0';

  /** Sends `bodies` with receipts, so they are on the broker before the test goes on. */
  async function sendAll(s: Session, destination: string, bodies: string[], headers: Record<string, string> = {}): Promise<void> {
    for (const body of bodies) await s.conn.send(destination, body, { receipt: true, headers });
  }

  async function subscribe(s: Session, destination: string, ack: AckMode = 'auto', headers: Record<string, string> = {}): Promise<Inbox<Frame>> {
    const id = uniqueName('sub');
    await s.conn.subscribe(destination, id, ack, headers, { receipt: true });
    return s.inbox(id);
  }

  const texts = (frames: Frame[]): string[] => frames.map((f) => f.text());

  it('connects with the asked version, and disconnects with a receipt', async () => {
    const s = await session(broker, version);
    expect(s.conn.version).toBe(version);
    expect(s.conn.connected?.header('server')).toMatch(broker.server);
    const events = new Inbox<string>();
    s.conn.setListener('events', { onDisconnecting: () => events.push('disconnecting'), onReceipt: () => events.push('receipt'), onDisconnected: () => events.push('disconnected') });
    await close(s);
    expect(await events.take(3)).toEqual(['disconnecting', 'receipt', 'disconnected']);
    expect(s.conn.isConnected()).toBe(false);
  });

  it('connects again at once after its own disconnect(), however short the session (only sessions the broker ends back off)', async () => {
    // With a 30 s first backoff, a wrongly counted short session would make the second connect() sleep.
    const s = await session(broker, version, { reconnectSleepInitial: 30 });
    await s.conn.disconnect();
    await within(s.conn.connect(), 5_000, 'the second connect');
    expect(s.conn.isConnected()).toBe(true);
  });

  it('sends to a queue and receives it', async () => {
    const s = await session(broker, version);
    const queue = `/queue/${uniqueName('q')}`;
    const inbox = await subscribe(s, queue);
    await s.conn.send(queue, 'hello', { contentType: 'text/plain', headers: { 'x-trace': 't-1' }, receipt: true });
    const message = await inbox.next();
    expect(message.text()).toBe('hello');
    expect(message.headers).toMatchObject({ destination: queue, 'content-type': 'text/plain', 'x-trace': 't-1' });
    expect(message.header('message-id')).toBeTruthy();
  });

  it('fans a topic message out to every subscriber', async () => {
    const a = await session(broker, version);
    const b = await session(broker, version);
    const topic = `/topic/${uniqueName('t')}`;
    const [inboxA, inboxB] = [await subscribe(a, topic), await subscribe(b, topic)];
    await a.conn.send(topic, 'news', { receipt: true });
    expect((await inboxA.next()).text()).toBe('news');
    expect((await inboxB.next()).text()).toBe('news');
  });

  it('acks cumulatively in client mode: acking the 2nd of 3 settles the 1st too', async () => {
    const queue = `/queue/${uniqueName('client')}`;
    const s = await session(broker, version);
    await sendAll(s, queue, ['m1', 'm2', 'm3']);
    const inbox = await subscribe(s, queue, 'client');
    const [, second] = await inbox.take(3);
    await s.conn.ack(second, undefined, { receipt: true });
    await close(s);
    const again = await session(broker, version);
    const redelivered = await subscribe(again, queue, 'auto');
    await sendAll(again, queue, ['end']);
    expect(texts(await redelivered.take(2))).toEqual(['m3', 'end']);
  });

  it("keeps a client-mode ACK to its own subscription: another subscription's earlier message stays unacknowledged", async () => {
    const [queueA, queueB] = [`/queue/${uniqueName('cumulative-a')}`, `/queue/${uniqueName('cumulative-b')}`];
    const s = await session(broker, version);
    const errors: string[] = [];
    s.conn.setListener('errors', { onError: (frame) => errors.push(frame.header('message') ?? '') });
    const inboxB = await subscribe(s, queueB, 'client-individual');
    const inboxA = await subscribe(s, queueA, 'client');
    await sendAll(s, queueB, ['b1']);
    const b1 = await inboxB.next();
    await sendAll(s, queueA, ['a1', 'a2']);
    const [, a2] = await inboxA.take(2);
    await s.conn.ack(a2, undefined, { receipt: true });
    // b1 arrived before a2 on this connection; the ACK of a2 was about queue A only.
    await s.conn.ack(b1, undefined, { receipt: true });
    expect(errors).toEqual([]);
    await close(s);
    const again = await session(broker, version);
    const left = [await subscribe(again, queueA, 'auto'), await subscribe(again, queueB, 'auto')];
    await sendAll(again, queueA, ['end a']);
    await sendAll(again, queueB, ['end b']);
    expect([(await left[0].next()).text(), (await left[1].next()).text()]).toEqual(['end a', 'end b']);
  });

  it('acks one message at a time in client-individual mode', async () => {
    const queue = `/queue/${uniqueName('individual')}`;
    const s = await session(broker, version);
    await sendAll(s, queue, ['m1', 'm2', 'm3']);
    const inbox = await subscribe(s, queue, 'client-individual');
    const [first, , third] = await inbox.take(3);
    await s.conn.ack(first);
    await s.conn.ack(third, undefined, { receipt: true });
    await expect(s.conn.ack(first)).rejects.toBeInstanceOf(StompUsageError);
    await close(s);
    const again = await session(broker, version);
    const redelivered = await subscribe(again, queue, 'auto');
    await sendAll(again, queue, ['end']);
    expect(texts(await redelivered.take(2))).toEqual(['m2', 'end']);
  });

  if (version === '1.0') {
    it('refuses NACK on STOMP 1.0 with a clear error, sending nothing', async () => {
      const s = await session(broker, version);
      const queue = `/queue/${uniqueName('nack10')}`;
      await sendAll(s, queue, ['m1']);
      const inbox = await subscribe(s, queue, 'client-individual');
      const message = await inbox.next();
      const error = await s.conn.nack(message).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StompUsageError);
      expect((error as StompUsageError).code).toBe('STOMP_ERR_INVALID_STATE');
      await s.conn.ack(message, undefined, { receipt: true });
    });
  } else if (broker.nack === 'requeue') {
    it('NACK: RabbitMQ requeues and redelivers with redelivered:true', async () => {
      const s = await session(broker, version);
      const queue = `/queue/${uniqueName('nack')}`;
      await sendAll(s, queue, ['poison']);
      const inbox = await subscribe(s, queue, 'client-individual');
      const first = await inbox.next();
      expect(first.header('redelivered')).toBe('false');
      await s.conn.nack(first, undefined, { receipt: true });
      const again = await inbox.next();
      expect(again.text()).toBe('poison');
      expect(again.header('redelivered')).toBe('true');
      await s.conn.ack(again, undefined, { receipt: true });
    });
  } else {
    it('NACK: ActiveMQ Classic treats it as a poison ack and dead-letters the message at once', async () => {
      const s = await session(broker, version);
      const name = uniqueName('nack');
      const queue = `/queue/${name}`;
      await sendAll(s, queue, ['poison'], { persistent: 'true' });
      const inbox = await subscribe(s, queue, 'client-individual');
      await s.conn.nack(await inbox.next(), undefined, { receipt: true });
      const dead = await subscribe(s, `/queue/DLQ.${name}`);
      expect((await dead.next()).text()).toBe('poison');
      await sendAll(s, queue, ['end']);
      const next = await inbox.next();
      expect(next.text()).toBe('end');
      await s.conn.ack(next, undefined, { receipt: true });
    });
  }

  if (broker.name === 'rabbitmq') {
    it('restores a subscription RabbitMQ cancels on a live connection (its queue deleted) by reconnecting', async () => {
      const s = await session(broker, version);
      const queue = `/queue/${uniqueName('cancelled')}`;
      const id = uniqueName('sub');
      await s.conn.subscribe(queue, id, 'client-individual', {}, { receipt: true });
      const events = new Inbox<string>();
      s.conn.setListener('cancel', {
        onError: (frame) => events.push(`ERROR ${frame.header('message')} ${frame.header('subscription')}`),
        onDisconnected: () => events.push('disconnected'),
        onConnected: () => events.push('connected'),
      });
      await deleteRabbitQueue(queue);
      // Left connected, the subscription would never deliver again (RabbitMQ keeps the connection open).
      expect(await events.take(3, 10_000, 'the cancel notice and the reconnect')).toEqual([`ERROR Server cancelled subscription ${id}`, 'disconnected', 'connected']);
      await s.conn.send(queue, 'after the cancel', { receipt: true });
      const message = await s.inbox(id).next(10_000, 'a message on the restored subscription');
      expect(message.text()).toBe('after the cancel');
      await s.conn.ack(message, undefined, { receipt: true });
    });

    it('ends a subscription with messages still on their way without an error: the DISCONNECT receipt comes, the messages stay queued', async () => {
      const s = await session(broker, version);
      const queue = `/queue/${uniqueName('in-flight')}`;
      const count = 3000;
      for (let i = 0; i < count; i++) await s.conn.send(queue, `m${i}`, { receipt: i === count - 1 });
      const id = uniqueName('sub');
      const late = new Inbox<string>();
      const errors: string[] = [];
      s.conn.setListener('late', { onDeliveryAfterUnsubscribe: (ended) => late.push(ended), onError: (frame) => errors.push(frame.text()) });
      // No prefetch: RabbitMQ dispatches the whole queue at once, so part of it is still on its way
      // when the UNSUBSCRIBE arrives, and each such message comes back as an ERROR.
      await s.conn.subscribe(queue, id, 'client-individual', {}, { receipt: true });
      await s.inbox(id).next();
      await s.conn.unsubscribe(id, { receipt: true });
      expect(await late.next(10_000, 'a notice of a message on its way')).toBe(id);
      await close(s);
      expect(errors).toEqual([]);

      // None was acknowledged, so all come back to a new subscriber.
      const again = await session(broker, version);
      const inbox = await subscribe(again, queue);
      expect(new Set(texts(await inbox.take(count, 20_000))).size).toBe(count);
    });

    it('refuses acking again a message that an aborted transaction had acked and a later cumulative ack settled (client mode)', async () => {
      const queue = `/queue/${uniqueName('abort-client')}`;
      const s = await session(broker, version);
      await sendAll(s, queue, ['m1', 'm2', 'm3']);
      const inbox = await subscribe(s, queue, 'client');
      const [first, second] = await inbox.take(3);
      const tx = await s.conn.begin();
      await s.conn.ack(first, undefined, { transaction: tx });
      await s.conn.abort(tx, { receipt: true });
      await s.conn.ack(second, undefined, { receipt: true });
      // Sent, it would make RabbitMQ close the connection (precondition_failed: unknown delivery tag).
      await expect(s.conn.ack(first)).rejects.toMatchObject({ name: 'StompUsageError', code: 'STOMP_ERR_INVALID_STATE' });
      expect(s.conn.isConnected()).toBe(true);
      await close(s);
      const again = await session(broker, version);
      const redelivered = await subscribe(again, queue, 'auto');
      await sendAll(again, queue, ['end']);
      expect(texts(await redelivered.take(2))).toEqual(['m3', 'end']);
    });

    it('backs off between sessions RabbitMQ ends at once (a subscription whose queue is gone for good)', async () => {
      const s = await session(broker, version, { reconnectAttemptsMax: -1, reconnectSleepInitial: 0.05, reconnectSleepIncrease: 1, reconnectSleepJitter: 0 });
      const name = uniqueName('gone');
      await s.conn.send(`/queue/${name}`, 'declares the queue', { receipt: true });
      // /amq/queue/ subscribes to an existing queue only: once deleted, every new session's SUBSCRIBE is refused.
      await s.conn.subscribe(`/amq/queue/${name}`, uniqueName('sub'), 'auto', {}, { receipt: true });
      const events = new Inbox<[string, number]>();
      s.conn.setListener('sessions', {
        onDisconnected: () => events.push(['disconnected', performance.now()]),
        onConnecting: () => events.push(['connecting', performance.now()]),
      });
      await deleteRabbitQueue(`/queue/${name}`);
      const seen = await events.take(8, 10_000, 'sessions ended by the broker and reconnects');
      const waits = [0, 2, 4, 6].map((i) => {
        expect([seen[i][0], seen[i + 1][0]]).toEqual(['disconnected', 'connecting']);
        return seen[i + 1][1] - seen[i][1];
      });
      // Without the backoff these were well under a millisecond each, hundreds of sessions a second.
      expect(waits[2]).toBeGreaterThanOrEqual(95);
      expect(waits[3]).toBeGreaterThanOrEqual(190);
    });
  }

  it('delivers a committed transaction once and an aborted one never', async () => {
    const s = await session(broker, version);
    const queue = `/queue/${uniqueName('tx')}`;
    const inbox = await subscribe(s, queue);
    const committed = await s.conn.begin();
    await s.conn.send(queue, 'tx-a', { transaction: committed });
    await s.conn.send(queue, 'tx-b', { transaction: committed });
    await s.conn.commit(committed, { receipt: true });
    const aborted = await s.conn.begin('my-tx');
    expect(aborted).toBe('my-tx');
    await s.conn.send(queue, 'never', { transaction: aborted });
    await s.conn.abort(aborted, { receipt: true });
    await s.conn.send(queue, 'end', { receipt: true });
    expect(texts(await inbox.take(3))).toEqual(['tx-a', 'tx-b', 'end']);
    await expect(s.conn.commit(aborted)).rejects.toBeInstanceOf(StompUsageError);
  });

  it('carries non-ASCII text and binary bodies with NUL bytes unchanged', async () => {
    const s = await session(broker, version);
    const queue = `/queue/${uniqueName('body')}`;
    const inbox = await subscribe(s, queue);
    const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    await s.conn.send(queue, 'zß水🍣 — ünïcödé', { receipt: true });
    await s.conn.send(queue, binary, { contentType: 'application/octet-stream', receipt: true });
    const [text, bytes] = await inbox.take(2);
    expect(text.text()).toBe('zß水🍣 — ünïcödé');
    expect(bytes.body.equals(binary)).toBe(true);
  });

  it('keeps bodies intact across many socket reads, small and large mixed (1 MB, 100 KB, 10 B)', async () => {
    const s = await session(broker, version);
    const queue = `/queue/${uniqueName('large')}`;
    const inbox = await subscribe(s, queue);
    // distinct bytes per body, so a read buffer reused too early would show as a wrong body
    const body = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 251));
    const bodies = [body(1024 * 1024, 1), ...Array.from({ length: 20 }, (_, i) => body(i % 2 === 0 ? 100 * 1024 : 10, i + 2))];
    await Promise.all(bodies.map((b) => s.conn.send(queue, b, { contentType: 'application/octet-stream' })));
    await s.conn.send(queue, 'end', { receipt: true });
    const got = await inbox.take(bodies.length + 1);
    got.slice(0, -1).forEach((frame, i) => expect(frame.body.equals(bodies[i])).toBe(true));
  });

  if (escapes) {
    it('round-trips header values with colon, LF and backslash', async () => {
      const s = await session(broker, version);
      const queue = `/queue/${uniqueName('hdr')}`;
      const inbox = await subscribe(s, queue);
      const value = 'a:b\nc\\d\\n:';
      await s.conn.send(queue, 'x', { headers: { 'x-odd': value }, receipt: true });
      expect((await inbox.next()).header('x-odd')).toBe(value);
    });
  } else {
    it('refuses an LF in a 1.0 header value before anything is written, and the connection stays usable', async () => {
      const s = await session(broker, version);
      const queue = `/queue/${uniqueName('hdr10')}`;
      const inbox = await subscribe(s, queue);
      const error = await s.conn.send(queue, 'x', { headers: { 'x-odd': 'a\nb' } }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('STOMP_ERR_UNENCODABLE');
      await s.conn.send(queue, 'fine', { headers: { 'x-colon': 'a:b' }, receipt: true });
      const message = await inbox.next();
      expect(message.text()).toBe('fine');
      // STOMP 1.0 has no escaping, yet RabbitMQ escapes ':' in values anyway; ActiveMQ follows the spec.
      expect(message.header('x-colon')).toBe(broker.name === 'rabbitmq' ? 'a\\cb' : 'a:b');
    });
  }

  it(version === '1.0' ? 'has no heart-beats on 1.0' : 'negotiates heart-beats and stays up on them alone, idle', async () => {
    const beats = new Inbox<true>();
    const trouble: string[] = [];
    const s = await session(broker, version, { heartbeats: [300, 300] });
    if (version === '1.0') {
      expect(s.conn.heartbeatIntervals).toEqual({ sendMs: 0, receiveMs: 0 });
      return;
    }
    expect(s.conn.heartbeatIntervals.sendMs).toBeGreaterThanOrEqual(300);
    expect(s.conn.heartbeatIntervals.receiveMs).toBeGreaterThanOrEqual(300);
    // What the health indicator allows too: 1.5 intervals, 2.5 on ActiveMQ.
    expect(s.conn.heartbeatTimeoutMs).toBe(Math.round(s.conn.heartbeatIntervals.receiveMs * (broker.name === 'activemq' ? 2.5 : 1.5)));
    s.conn.setListener('beats', {
      onHeartbeat: () => beats.push(true),
      onHeartbeatTimeout: () => trouble.push('heart-beat timeout'),
      onDisconnected: () => trouble.push('disconnected'),
    });
    // ActiveMQ sends its first heart-beat two intervals after CONNECTED, and later ones up to two apart.
    await beats.take(5, 10_000, 'heart-beats from the broker');
    expect(trouble).toEqual([]);
  });

  it('reconnects by itself after the broker closes the connection, and re-subscribes', async () => {
    const s = await session(broker, version);
    const queue = `/queue/${uniqueName('reconnect')}`;
    const inbox = await subscribe(s, queue);
    const events = new Inbox<string>();
    s.conn.setListener('events', { onDisconnected: () => events.push('disconnected'), onConnected: () => events.push('connected') });
    await broker.closeConnection(s.conn);
    const seen: string[] = [];
    while (!seen.includes('connected')) seen.push(await events.next(10_000, 'broker close and reconnect'));
    expect(seen).toContain('disconnected');
    await s.conn.send(queue, 'after reconnect', { receipt: true });
    expect((await inbox.next()).text()).toBe('after reconnect');
  });
});
