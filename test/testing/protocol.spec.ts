import { cleanUp, RawClient, startBroker } from './harness';

describe('EmbeddedBroker: receipts, DISCONNECT and protocol violations', () => {
  afterEach(cleanUp);

  it('answers every frame that asks for a receipt', async () => {
    const raw = await RawClient.connected(await startBroker());
    raw.write('SUBSCRIBE\ndestination:/queue/r\nid:s1\nreceipt:r-1\n\n\0');
    raw.write('BEGIN\ntransaction:t\nreceipt:r-2\n\n\0SEND\ndestination:/queue/r\ntransaction:t\nreceipt:r-3\n\nx\0');
    raw.write('COMMIT\ntransaction:t\nreceipt:r-4\n\n\0');
    const frames = await raw.frames.take(5, 3000, 'receipts and the message');
    expect(frames.map((f) => f.header('receipt-id') ?? f.text())).toEqual(['r-1', 'r-2', 'r-3', 'r-4', 'x']);
    raw.write('UNSUBSCRIBE\nid:s1\nreceipt:r-5\n\n\0');
    expect((await raw.next('RECEIPT')).header('receipt-id')).toBe('r-5');
  });

  it('answers DISCONNECT with its receipt, then closes the connection', async () => {
    const raw = await RawClient.connected(await startBroker());
    raw.write('DISCONNECT\nreceipt:bye\n\n\0');
    expect((await raw.next('RECEIPT')).header('receipt-id')).toBe('bye');
    await raw.waitClosed();
  });

  it.each([
    ['a malformed frame', 'accept-version:1.2', 'SEND\ndestination:/queue/x\nno colon here\n\n\0', "header line without ':' in SEND frame"],
    ['an unknown command', 'accept-version:1.2', 'BOGUS\n\n\0', 'unknown command "BOGUS"'],
    ['a server command', 'accept-version:1.2', 'MESSAGE\ndestination:/queue/x\n\n\0', 'unexpected MESSAGE frame'],
    ['a second CONNECT', 'accept-version:1.2', 'CONNECT\naccept-version:1.2\n\n\0', 'unexpected CONNECT frame'],
    ['SEND without destination', 'accept-version:1.2', 'SEND\ncontent-type:text/plain\n\nx\0', 'SEND without destination header'],
    ['SUBSCRIBE without id on 1.1', 'accept-version:1.1', 'SUBSCRIBE\ndestination:/queue/x\n\n\0', 'SUBSCRIBE without id header'],
    ['SUBSCRIBE without id on 1.2', 'accept-version:1.2', 'SUBSCRIBE\ndestination:/queue/x\n\n\0', 'SUBSCRIBE without id header'],
    ['a duplicate subscription id', 'accept-version:1.2', 'SUBSCRIBE\ndestination:/queue/x\nid:1\n\n\0SUBSCRIBE\ndestination:/queue/y\nid:1\n\n\0', 'duplicate subscription id 1'],
    ['an unknown ack mode', 'accept-version:1.2', 'SUBSCRIBE\ndestination:/queue/x\nid:1\nack:sometimes\n\n\0', 'unknown ack mode "sometimes"'],
    ['a bad prefetch', 'accept-version:1.2', 'SUBSCRIBE\ndestination:/queue/x\nid:1\nack:client\nprefetch-count:-1\n\n\0', 'prefetch-count must be a whole number, got "-1"'],
    ['a selector', 'accept-version:1.2', "SUBSCRIBE\ndestination:/queue/x\nid:1\nselector:a = 'b'\n\n\0", 'selectors are not supported by the embedded broker'],
    ['UNSUBSCRIBE of an unknown id', 'accept-version:1.2', 'UNSUBSCRIBE\nid:9\n\n\0', 'no subscription 9'],
    ['an ACK without id', 'accept-version:1.2', 'ACK\n\n\0', 'ACK without id header'],
    ['NACK on 1.0', '', 'NACK\nmessage-id:1\n\n\0', 'NACK does not exist in STOMP 1.0'],
    ['an undefined escape on 1.2', 'accept-version:1.2', 'SEND\ndestination:/queue/x\nx-bad:a\\tb\n\n\0', 'undefined escape sequence "\\\\t" in header text "a\\\\tb"'],
  ])('answers %s with ERROR and a message header, then closes', async (_what, connectHeaders, frames, message) => {
    const raw = await RawClient.connected(await startBroker(), connectHeaders ? `${connectHeaders}\n` : '');
    raw.write(frames);
    expect((await raw.expectError()).header('message')).toBe(message);
  });

  it('answers a frame before CONNECT with ERROR', async () => {
    const raw = await RawClient.open(await startBroker());
    raw.write('SEND\ndestination:/queue/x\n\nx\0');
    expect((await raw.expectError()).header('message')).toBe('expected CONNECT or STOMP, got SEND');
  });

  it('names the offending frame’s receipt in the ERROR', async () => {
    const raw = await RawClient.connected(await startBroker());
    raw.write('SUBSCRIBE\ndestination:/nowhere/x\nid:1\nreceipt:r-7\n\n\0');
    const error = await raw.expectError();
    expect(error.header('receipt-id')).toBe('r-7');
    expect(error.header('content-type')).toBe('text/plain');
    expect(error.text()).toContain('/queue/NAME');
  });

  it('takes SUBSCRIBE without id on 1.0, using the destination as subscription', async () => {
    const raw = await RawClient.connected(await startBroker(), '');
    raw.write('SUBSCRIBE\ndestination:/queue/old\n\n\0SEND\ndestination:/queue/old\n\nhi\0');
    const message = await raw.next('MESSAGE');
    expect(message.header('subscription')).toBe('/queue/old');
    raw.write('UNSUBSCRIBE\ndestination:/queue/old\nreceipt:u\n\n\0');
    expect((await raw.next('RECEIPT')).header('receipt-id')).toBe('u');
  });

  it.each([
    ['1.0', ''],
    ['1.1', 'accept-version:1.1\nhost:/\n'],
  ])('refuses on %s a SUBSCRIBE id it could not send back in a MESSAGE (a raw CR), with ERROR, and goes on serving others', async (_, connect) => {
    const broker = await startBroker();
    const raw = await RawClient.connected(broker, connect);
    raw.write('SUBSCRIBE\ndestination:/queue/cr\nid:a\rb\n\n\0SEND\ndestination:/queue/cr\n\nx\0');
    expect((await raw.expectError()).header('message')).toBe('subscription id "a\\rb" cannot be sent back in a MESSAGE on this STOMP version');
    const other = await RawClient.connected(broker);
    other.write('DISCONNECT\nreceipt:still-here\n\n\0');
    expect((await other.next('RECEIPT')).header('receipt-id')).toBe('still-here');
  });

  it('bounds what one connection may make it hold: the decoder limits and open transactions', async () => {
    const broker = await startBroker({ limits: { maxHeaderBytes: 256, maxHeaders: 8, maxBodyBytes: 1024 } });
    const bigHead = await RawClient.connected(broker);
    bigHead.write(`SEND\ndestination:/queue/x\nx-big:${'a'.repeat(300)}\n\nx\0`);
    expect((await bigHead.expectError()).header('message')).toBe('header section exceeds 256 bytes');
    const manyHeaders = await RawClient.connected(broker);
    manyHeaders.write(`SEND\ndestination:/queue/x\n${Array.from({ length: 9 }, (_, i) => `h${i}:v\n`).join('')}\nx\0`);
    expect((await manyHeaders.expectError()).header('message')).toBe('more than 8 headers');
    const bigBody = await RawClient.connected(broker);
    bigBody.write(`SEND\ndestination:/queue/x\ncontent-length:2000\n\n${'b'.repeat(2000)}\0`);
    expect((await bigBody.expectError()).header('message')).toBe('body exceeds 1024 bytes');
    const bigTransaction = await RawClient.connected(broker);
    const part = `SEND\ndestination:/queue/x\ntransaction:t\n\n${'c'.repeat(600)}\0`;
    bigTransaction.write(`BEGIN\ntransaction:t\n\n\0${part}${part}`);
    expect((await bigTransaction.expectError()).header('message')).toBe('open transactions hold too much');
  });
});
