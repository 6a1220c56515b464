import { BROKERS } from '../support/brokers';
import { closeAll, session } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';

/** The embedded broker global-setup.ts starts, as the third target of the broker suites. */
describe('the embedded target of the broker suites', () => {
  afterEach(closeAll);
  const embedded = BROKERS.find((broker) => broker.name === 'embedded')!;

  it('answers on EMBEDDED_STOMP_PORT with guest/guest, and closes a session on request', async () => {
    expect(embedded.options.hosts).toEqual([['127.0.0.1', Number(process.env.EMBEDDED_STOMP_PORT)]]);
    const s = await session(embedded, '1.2');
    expect(s.conn.connected?.header('server')).toMatch(embedded.server);
    const queue = `/queue/${uniqueName('target')}`;
    await s.conn.subscribe(queue, 'q', 'auto', undefined, { receipt: true });
    const events = new Inbox<string>();
    s.conn.setListener('t', { onError: (frame) => events.push(`error: ${frame.header('message')}`), onConnected: () => events.push('connected') });
    await embedded.closeConnection(s.conn);
    // In band the request reaches the broker in jest's main process; from a worker, a bad frame does it.
    expect(['error: connection closed by the embedded broker', 'error: unknown command "BOGUS"']).toContain(await events.next());
    expect(await events.next()).toBe('connected');
    await s.conn.send(queue, 'after reconnect', { receipt: true });
    expect((await s.inbox('q').next()).text()).toBe('after reconnect');
  });
});
