import { BROKER_VERSIONS } from '../support/brokers';
import { closeAll, session } from '../support/session';
import { pyReceiver, pySend } from '../support/stomp-py';
import { uniqueName } from '../support/wait';

describe.each(BROKER_VERSIONS)('interop with stomp.py on %s', (_label, broker, version) => {
  afterEach(closeAll);

  const body = Buffer.concat([Buffer.from('zß水🍣 '), Buffer.from([0, 1, 2, 0xff, 0])]);
  // 1.0 cannot carry ':' in a value faithfully through RabbitMQ (it escapes anyway), so only 1.1+ tries it.
  const headers: Record<string, string> = version === '1.0' ? { 'x-order': '42', 'content-type': 'application/octet-stream' } : { 'x-order': '42', 'x-path': 'a:b\\c', 'content-type': 'application/octet-stream' };

  it('stomp.py sends, the engine receives the same body and headers', async () => {
    const s = await session(broker, version);
    const queue = `/queue/${uniqueName('py-in')}`;
    await s.conn.subscribe(queue, 'e-1', 'auto', undefined, { receipt: true });
    await pySend(broker, version, queue, body, headers);
    const message = await s.inbox('e-1').next();
    expect(message.body.equals(body)).toBe(true);
    expect(message.headers).toMatchObject(headers);
  });

  it('the engine sends, stomp.py receives the same body and headers', async () => {
    const queue = `/queue/${uniqueName('py-out')}`;
    const receiver = await pyReceiver(broker, version, queue, 1);
    try {
      const s = await session(broker, version);
      const { 'content-type': contentType, ...extra } = headers;
      await s.conn.send(queue, body, { contentType, headers: extra, receipt: true });
      const [message] = await receiver.messages();
      expect(message.body.equals(body)).toBe(true);
      expect(message.headers).toMatchObject(headers);
    } finally {
      receiver.kill();
    }
  });
});
