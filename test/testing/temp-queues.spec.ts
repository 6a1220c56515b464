import { StompBrokerError, type Frame } from '../../lib';
import { close, closeAll, session, type Session } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';
import { cleanUp, startBroker, targetOf } from './harness';

describe('EmbeddedBroker: temp queues and reply-to', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  /** A responder that answers every request on `service` to its reply-to, echoing the body. */
  async function responder(s: Session, service: string): Promise<Inbox<Frame>> {
    const requests = new Inbox<Frame>();
    s.conn.setListener('responder', {
      onMessage: (frame) => {
        if (frame.header('subscription') !== 'service') return;
        requests.push(frame);
        void s.conn.send(frame.header('reply-to')!, `re: ${frame.text()}`, { headers: { 'correlation-id': frame.header('correlation-id')! } });
      },
    });
    await s.conn.subscribe(service, 'service', 'auto', undefined, { receipt: true });
    return requests;
  }

  it('routes a reply to the requester’s /temp-queue/, through the reply-to the responder received', async () => {
    const broker = await startBroker();
    const service = `/queue/${uniqueName('service')}`;
    const server = await session(targetOf(broker), '1.2');
    const requests = await responder(server, service);
    const client = await session(targetOf(broker), '1.1');
    await client.conn.subscribe('/temp-queue/replies', 'replies', 'auto', undefined, { receipt: true });
    await client.conn.send(service, 'ping', { headers: { 'reply-to': '/temp-queue/replies', 'correlation-id': 'c-1' }, receipt: true });
    const request = await requests.next();
    const requester = client.conn.connected!.header('session');
    expect(request.header('reply-to')).toBe(`/temp-queue/${requester}.replies`);
    const reply = await client.inbox('replies').next();
    expect(reply.text()).toBe('re: ping');
    expect(reply.headers).toMatchObject({ destination: '/temp-queue/replies', subscription: 'replies', 'correlation-id': 'c-1' });
  });

  it('scopes a temp queue name to its connection: two requesters with the same name get their own replies', async () => {
    const broker = await startBroker();
    const service = `/queue/${uniqueName('service')}`;
    await responder(await session(targetOf(broker), '1.2'), service);
    const clients = [await session(targetOf(broker), '1.2'), await session(targetOf(broker), '1.2')];
    for (const [i, c] of clients.entries()) {
      await c.conn.subscribe('/temp-queue/replies', 'replies', 'auto', undefined, { receipt: true });
      await c.conn.send(service, `from ${i}`, { headers: { 'reply-to': '/temp-queue/replies' }, receipt: true });
    }
    expect((await clients[0].inbox('replies').next()).text()).toBe('re: from 0');
    expect((await clients[1].inbox('replies').next()).text()).toBe('re: from 1');
    // A connection's own messages to its temp queue are kept until it subscribes.
    const own = clients[0];
    await own.conn.send('/temp-queue/later', 'note to self', { receipt: true });
    await own.conn.subscribe('/temp-queue/later', 'later', 'auto', undefined, { receipt: true });
    expect((await own.inbox('later').next()).text()).toBe('note to self');
  });

  it('drops replies to a requester that is gone, and keeps the responder connected', async () => {
    const broker = await startBroker();
    const service = `/queue/${uniqueName('service')}`;
    const client = await session(targetOf(broker), '1.2');
    await client.conn.send(service, 'late', { headers: { 'reply-to': '/temp-queue/replies' }, receipt: true });
    await close(client);
    const server = await session(targetOf(broker), '1.2');
    await server.conn.subscribe(service, 'service', 'auto', undefined, { receipt: true });
    const request = await server.inbox('service').next();
    await server.conn.send(request.header('reply-to')!, 'nobody hears this', { receipt: true });
    expect(server.conn.isConnected()).toBe(true);
  });

  it('refuses to let a connection consume another one’s temp queue', async () => {
    const broker = await startBroker();
    const owner = await session(targetOf(broker), '1.2');
    await owner.conn.subscribe('/temp-queue/mine', 'mine', 'auto', undefined, { receipt: true });
    const thief = await session(targetOf(broker), '1.2');
    const routable = `/temp-queue/${owner.conn.connected!.header('session')}.mine`;
    const error = await thief.conn.subscribe(routable, 'stolen', 'auto', undefined, { receipt: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StompBrokerError);
    expect((error as StompBrokerError).frame.header('message')).toBe(`cannot subscribe to ${routable}: a temp queue belongs to the connection that named it`);
  });
});
