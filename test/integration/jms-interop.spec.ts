import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { StompContext } from '../../lib';
import { BROKERS } from '../support/brokers';
import { compileJmsPeer, jmsReceiver, jmsRequest, jmsSend } from '../support/jms';
import { closeAll, session } from '../support/session';
import { Inbox, uniqueName } from '../support/wait';
import { closeApps, startClient, startServer } from '../nest/harness';

/**
 * Java applications on the same ActiveMQ, through the JMS API on its OpenWire port: what they see of
 * our frames (a TextMessage or a BytesMessage, properties, JMSCorrelationID, JMSReplyTo) and what of
 * theirs reaches the engine and Nest handlers.
 */
const activemq = BROKERS.find((broker) => broker.name === 'activemq')!;

describe('interop with JMS (Java, OpenWire) on ActiveMQ', () => {
  beforeAll(() => compileJmsPeer(), 120_000);
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  const json = { sku: 'A-1', note: 'zß水🍣' };

  it('the engine sends text as a TextMessage with autoContentLength "binary", bytes as a BytesMessage, headers as properties', async () => {
    const queue = uniqueName('jms-out');
    const receiver = await jmsReceiver(queue, 2);
    try {
      const s = await session(activemq, '1.2', { autoContentLength: 'binary' });
      await s.conn.send(`/queue/${queue}`, JSON.stringify(json), {
        contentType: 'application/json',
        headers: { 'correlation-id': 'c-7', 'reply-to': '/queue/answers', region: 'eu' },
        // A receipt rebuilds the frame: the body must stay text.
        receipt: true,
      });
      // No NUL in it, so only the content-length tells ActiveMQ it is binary.
      await s.conn.send(`/queue/${queue}`, Buffer.from([1, 2, 0xfe, 0xff]), { receipt: true });
      const [text, bytes] = await receiver.messages();
      expect(text).toMatchObject({ type: 'text', correlationId: 'c-7', replyTo: 'queue://answers' });
      expect(JSON.parse(text.body.toString())).toEqual(json);
      // Every header not STOMP's own is a property, content-length not among them.
      expect(text.properties).toEqual({ region: 'eu', 'content-type': 'application/json' });
      expect(bytes.type).toBe('bytes');
      expect(bytes.body).toEqual(Buffer.from([1, 2, 0xfe, 0xff]));
    } finally {
      receiver.kill();
    }
  });

  it('the engine by default (content-length on every body, as stomp.py) sends text as a BytesMessage', async () => {
    const queue = uniqueName('jms-default');
    const receiver = await jmsReceiver(queue, 1);
    try {
      const s = await session(activemq, '1.2');
      await s.conn.send(`/queue/${queue}`, 'plain text', { receipt: true });
      const [message] = await receiver.messages();
      expect(message).toMatchObject({ type: 'bytes', body: Buffer.from('plain text') });
    } finally {
      receiver.kill();
    }
  });

  it('a TextMessage and a BytesMessage reach the engine with their bodies, properties as headers', async () => {
    const queue = uniqueName('jms-in');
    const s = await session(activemq, '1.2');
    await s.conn.subscribe(`/queue/${queue}`, 'j-1', 'auto', undefined, { receipt: true });
    await jmsSend(queue, { type: 'text', body: Buffer.from(JSON.stringify(json)), properties: { region: 'us' }, correlationId: 'c-8', replyTo: 'answers' });
    await jmsSend(queue, { type: 'bytes', body: Buffer.from([0, 1, 0xff]) });
    await jmsSend(queue, { type: 'text', body: Buffer.from('nul:\0.') });
    const text = await s.inbox('j-1').next();
    // ActiveMQ writes the text in Java's modified UTF-8 (🍣 as two 3-byte surrogates), read as Java meant it.
    expect(JSON.parse(text.text())).toEqual(json);
    expect(text.headers).toMatchObject({ region: 'us', 'correlation-id': 'c-8', 'reply-to': '/queue/answers' });
    // A TextMessage comes without content-length; its end is the NUL.
    expect(text.header('content-length')).toBeUndefined();
    const bytes = await s.inbox('j-1').next();
    expect(bytes.body).toEqual(Buffer.from([0, 1, 0xff]));
    // A NUL in a TextMessage comes as C0 80, so that the frame's end stays the only NUL.
    expect((await s.inbox('j-1').next()).text()).toBe('nul:\0.');
  });

  it('ClientStomp.emit reaches a JMS consumer as a TextMessage of JSON; a Buffer payload as a BytesMessage', async () => {
    const queue = uniqueName('jms-emit');
    const receiver = await jmsReceiver(queue, 2);
    try {
      const { client } = await startClient(activemq);
      await client.emit(`/queue/${queue}`, json).toPromise();
      await client.emit(`/queue/${queue}`, Buffer.from([7, 8, 9])).toPromise();
      const [event, bytes] = await receiver.messages();
      expect(event).toMatchObject({ type: 'text', properties: { 'content-type': 'application/json' } });
      expect(JSON.parse(event.body.toString())).toEqual(json);
      expect(bytes).toMatchObject({ type: 'bytes', body: Buffer.from([7, 8, 9]) });
    } finally {
      receiver.kill();
    }
  });

  it('a JMS TextMessage of JSON, with no content-type, reaches @EventPattern parsed, its properties in the context', async () => {
    const queue = uniqueName('jms-event');
    const seen = new Inbox<[unknown, string | undefined]>();
    @Controller()
    class Orders {
      @EventPattern<string>(`/queue/${queue}`)
      handle(@Payload() order: unknown, @Ctx() ctx: StompContext): void {
        seen.push([order, ctx.getHeaders().region]);
      }
    }
    await startServer(activemq, [Orders]);
    await jmsSend(queue, { type: 'text', body: Buffer.from(JSON.stringify(json)), properties: { region: 'apac' } });
    expect(await seen.next()).toEqual([json, 'apac']);
  });

  it('answers a JMS requester on its temporary queue with a TextMessage carrying its JMSCorrelationID', async () => {
    const queue = uniqueName('jms-rpc');
    @Controller()
    class Prices {
      @MessagePattern(`/queue/${queue}`)
      quote(@Payload() request: { sku: string }): { sku: string; price: number } {
        return { sku: request.sku, price: 9.5 };
      }
    }
    await startServer(activemq, [Prices]);
    const reply = await jmsRequest(queue, { type: 'text', body: Buffer.from('{"sku":"B-2"}'), correlationId: 'jms-req-1' });
    expect(reply).toMatchObject({ type: 'text', correlationId: 'jms-req-1' });
    expect(JSON.parse(reply.body.toString())).toEqual({ sku: 'B-2', price: 9.5 });
  });
});
