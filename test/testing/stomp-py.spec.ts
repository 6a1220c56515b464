import { closeAll, session } from '../support/session';
import { pyReceiver, pyRequest, pySend } from '../support/stomp-py';
import { uniqueName } from '../support/wait';
import { cleanUp, startBroker, targetOf } from './harness';

/** The reference client, Debian's python3-stomp, against an embedded broker started by this test. */
describe('EmbeddedBroker with stomp.py', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  const body = Buffer.concat([Buffer.from('zß水🍣 '), Buffer.from([0, 1, 2, 0xff, 0])]);
  const headers = { 'x-order': '42', 'x-path': 'a:b\\c', 'content-type': 'application/octet-stream' };

  it('takes a message from stomp.py and delivers one to it, bodies and headers intact', async () => {
    const target = targetOf(await startBroker({ users: { guest: 'guest' } }));
    const s = await session(target, '1.2');
    const inbound = `/queue/${uniqueName('py-in')}`;
    await s.conn.subscribe(inbound, 'in', 'auto', undefined, { receipt: true });
    await pySend(target, '1.2', inbound, body, headers);
    const received = await s.inbox('in').next();
    expect(received.body.equals(body)).toBe(true);
    expect(received.headers).toMatchObject(headers);

    const outbound = `/queue/${uniqueName('py-out')}`;
    const receiver = await pyReceiver(target, '1.1', outbound, 1);
    try {
      const { 'content-type': contentType, ...extra } = headers;
      await s.conn.send(outbound, body, { contentType, headers: extra, receipt: true });
      const [message] = await receiver.messages();
      expect(message.body.equals(body)).toBe(true);
      expect(message.headers).toMatchObject({ ...headers, destination: outbound, subscription: 'py-1', redelivered: 'false' });
    } finally {
      receiver.kill();
    }
  });

  it('answers a stomp.py request on its /temp-queue/ through the rewritten reply-to', async () => {
    // Without users any credentials do; stomp_py_peer.py always sends some.
    const target = targetOf(await startBroker(), { login: 'anyone', passcode: 'anything' });
    const service = `/queue/${uniqueName('py-rpc')}`;
    const s = await session(target, '1.2');
    s.conn.setListener('responder', {
      onMessage: (frame) => void s.conn.send(frame.header('reply-to')!, `price of ${frame.text()}`, { headers: { 'correlation-id': frame.header('correlation-id')! } }),
    });
    await s.conn.subscribe(service, 'rpc', 'auto', undefined, { receipt: true });
    const reply = await pyRequest(target, '1.2', service, Buffer.from('A-1'), {}, '/temp-queue/py-replies');
    expect(reply.body.toString()).toBe('price of A-1');
    expect(reply.headers).toMatchObject({ 'correlation-id': 'py-42', destination: '/temp-queue/py-replies' });
  });
});
