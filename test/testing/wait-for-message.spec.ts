import { StompTimeoutError, StompUsageError } from '../../lib';
import { waitForMessage } from '../../lib/testing';
import { FakePeer, closeClients, connectedClient } from '../support/fake-peer';
import { within } from '../support/wait';
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
