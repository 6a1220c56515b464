import { StompConnectionError, StompTimeoutError, StompUsageError } from '../../lib';
import { waitForMessage } from '../../lib/testing';
import { BROKERS } from '../support/brokers';
import { FakePeer, closeClients, connectedClient, deadPort } from '../support/fake-peer';
import { uniqueName, within } from '../support/wait';
import { closeAll, session } from '../support/session';
import { cleanUp, startBroker, targetOf } from './harness';

/** Far below the engine's default receipt timeout (10 s), which a late cleanup would wait out. */
const DEADLINE_MS = 200;
const SLACK_MS = 2000;

describe('waitForMessage on a broker that never answers a receipt', () => {
  let peer: FakePeer;
  beforeEach(async () => {
    peer = await FakePeer.start();
  });
  afterEach(async () => {
    await closeClients();
    await peer.stop();
  });

  it('on a connection it is given: rejects at its deadline, and still ends its subscription', async () => {
    const [conn, socket] = await connectedClient(peer);
    const waiting = waitForMessage(conn, '/queue/silent', { timeoutMs: DEADLINE_MS });
    const subscribe = await socket.next('SUBSCRIBE');
    await expect(within(waiting, SLACK_MS, 'waitForMessage to give up')).rejects.toBeInstanceOf(StompTimeoutError);
    expect((await socket.next('UNSUBSCRIBE')).header('id')).toBe(subscribe.header('id'));
    expect(conn.getSubscriptions().size).toBe(0);
  });

  it('on its own connection: rejects at its deadline, and the connection closes', async () => {
    const waiting = waitForMessage({ hosts: [['127.0.0.1', peer.port]] }, '/queue/silent', { timeoutMs: DEADLINE_MS });
    const socket = await peer.nextConnection();
    await socket.accept();
    await socket.next('SUBSCRIBE');
    await expect(within(waiting, SLACK_MS, 'waitForMessage to give up')).rejects.toBeInstanceOf(StompTimeoutError);
    await within(socket.closed, SLACK_MS, 'the connection to close');
  });
});

describe('waitForMessage options', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  // Node fires a timer past 2^31 - 1 ms after 1 ms: a wait meant to be long ended at once as a timeout.
  it.each([2 ** 31, Infinity, 0, -1, Number.NaN])('refuses timeoutMs %p with StompUsageError, on a connection it is given too', async (timeoutMs) => {
    const broker = await startBroker();
    await expect(waitForMessage(broker.url, '/queue/never', { timeoutMs })).rejects.toBeInstanceOf(StompUsageError);
    const s = await session(targetOf(broker), '1.2');
    await expect(waitForMessage(s.conn, '/queue/never', { timeoutMs })).rejects.toBeInstanceOf(StompUsageError);
  });
});

// A topic drops what nobody is subscribed to, and the caller could not know when the SUBSCRIBE was in
// place: a message published right after calling waitForMessage was lost, and the wait timed out.
describe.each(BROKERS)('waitForMessage on a topic of $name', (broker) => {
  afterEach(() => closeAll());

  it('subscribed resolves once the subscription is in place: a message published then is the one it gets', async () => {
    const topic = `/topic/${uniqueName('wait-topic')}`;
    const publisher = await session(broker, '1.2');
    const price = waitForMessage(broker.options, topic, { timeoutMs: 5000 });
    await within(price.subscribed, 5000, 'the subscription');
    await publisher.conn.send(topic, '9.5', { receipt: true });
    expect((await price).text()).toBe('9.5');
  });
});

describe('waitForMessage subscribed', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  it('on the embedded broker with users, through broker.url, as the TSDoc example has it', async () => {
    const broker = await startBroker({ users: { guest: 'guest' } });
    const publisher = await session(targetOf(broker), '1.2');
    const topic = `/topic/${uniqueName('wait-embedded-topic')}`;
    const price = waitForMessage(broker.url, topic);
    await within(price.subscribed, 5000, 'the subscription');
    await publisher.conn.send(topic, '9.5');
    expect((await price).text()).toBe('9.5');
  });

  it('on a connection it is given, resolves before the message does, which a queue already held', async () => {
    const broker = await startBroker();
    const s = await session(targetOf(broker), '1.2');
    const queue = `/queue/${uniqueName('wait-held')}`;
    await s.conn.send(queue, 'held', { receipt: true });
    const seen: string[] = [];
    const waiting = waitForMessage(s.conn, queue);
    void waiting.subscribed.then(() => seen.push('subscribed'));
    seen.push((await waiting).text());
    expect(seen).toEqual(['subscribed', 'held']);
  });

  it('rejects as the wait does when it fails before subscribing; left alone, it is no unhandled rejection', async () => {
    const port = await deadPort();
    const waiting = waitForMessage({ hosts: [['127.0.0.1', port]], reconnectAttemptsMax: 1 }, '/topic/never');
    await expect(waiting.subscribed).rejects.toBeInstanceOf(StompConnectionError);
    await expect(waiting).rejects.toBeInstanceOf(StompConnectionError);
    // Only the wait itself is looked at here; its rejection is the one the caller hears.
    const refused = waitForMessage({ hosts: [['127.0.0.1', port]], reconnectAttemptsMax: 1 }, '/topic/never', { timeoutMs: 0 });
    await expect(refused).rejects.toBeInstanceOf(StompUsageError);
  });
});
