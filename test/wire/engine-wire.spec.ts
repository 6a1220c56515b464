import {
  Frame,
  StatsListener,
  StompBrokerError,
  StompConnection,
  StompConnectionError,
  StompFrameError,
  StompTimeoutError,
  type ConnectionOptions,
  type StompError,
} from '../../lib';
import { clientOf, connectedClient, deadPort, useFakePeer, type PeerSocket } from '../support/fake-peer';
import { Inbox, within } from '../support/wait';

describe('engine on the wire (scripted fake peer)', () => {
  const peer = useFakePeer();

  const open = (options: ConnectionOptions = {}): StompConnection => clientOf(peer(), options);
  const connected = (options: ConnectionOptions = {}, headers?: Record<string, string>): Promise<[StompConnection, PeerSocket]> =>
    connectedClient(peer(), options, headers);

  it('writes a CONNECT the spec and RabbitMQ accept: accept-version, host, heart-beat, credentials', async () => {
    const conn = open({ login: 'u', passcode: 'p', heartbeats: [500, 700] });
    const done = conn.connect();
    const socket = await peer().nextConnection();
    const connect = await socket.accept({ version: '1.1', 'heart-beat': '1000,300' });
    await done;
    expect(connect.command).toBe('STOMP');
    expect(connect.headers).toMatchObject({ 'accept-version': '1.0,1.1,1.2', host: '/', 'heart-beat': '500,700', login: 'u', passcode: 'p' });
    expect(conn.version).toBe('1.1');
    expect(conn.heartbeatIntervals).toEqual({ sendMs: 500, receiveMs: 1000 });
  });

  it('uses CONNECT with withConnectCommand and on 1.0, and no accept-version on 1.0', async () => {
    const conn = open({ version: '1.0' });
    const done = conn.connect();
    const socket = await peer().nextConnection();
    const connect = await socket.accept({});
    await done;
    expect(connect.command).toBe('CONNECT');
    expect(connect.header('accept-version')).toBeUndefined();
    expect(conn.version).toBe('1.0');
  });

  it('decodes a MESSAGE written one byte per TCP write', async () => {
    const [conn, socket] = await connected();
    const messages = new Inbox<Frame>();
    conn.setListener('m', { onMessage: messages.push });
    await conn.subscribe('/queue/a', 's1');
    await socket.next('SUBSCRIBE');
    const body = Buffer.from([0x68, 0x00, 0xff, 0x0a, 0xc3, 0xa9]);
    const raw = Buffer.concat([Buffer.from(`MESSAGE\r\nsubscription:s1\r\nmessage-id:m1\r\nx:a\\cb\\nc\\\\d\r\ncontent-length:${body.length}\r\n\r\n`), body, Buffer.from([0]), Buffer.from('\r\n\n')]);
    await socket.writeByteByByte(raw);
    const message = await messages.next();
    expect(message.body.equals(body)).toBe(true);
    expect(message.header('x')).toBe('a:b\nc\\d');
  });

  it('detects a silent peer by heart-beat, reconnects and re-subscribes with the same id, ack and headers', async () => {
    const [conn, first] = await connected({ heartbeats: [0, 100] }, { version: '1.2', 'heart-beat': '100,0' });
    const events = new Inbox<string>();
    conn.setListener('e', { onHeartbeatTimeout: () => events.push('timeout'), onDisconnected: () => events.push('disconnected'), onConnected: () => events.push('connected') });
    await conn.subscribe('/queue/orders', 'sub-7', 'client-individual', { selector: "a = 'b'" });
    await first.next('SUBSCRIBE');
    // The peer now says nothing at all.
    expect(await events.next(2000)).toBe('timeout');
    expect(await events.next()).toBe('disconnected');
    const second = await peer().nextConnection();
    await second.accept({ version: '1.2' });
    expect(await events.next()).toBe('connected');
    const again = await second.next('SUBSCRIBE');
    expect(again.headers).toMatchObject({ destination: '/queue/orders', id: 'sub-7', ack: 'client-individual', selector: "a = 'b'" });
  });

  it('sends heart-beats when idle', async () => {
    const [, socket] = await connected({ heartbeats: [50, 0] }, { version: '1.2', 'heart-beat': '0,50' });
    await within(
      new Promise<void>((resolve) => {
        const check = setInterval(() => socket.heartbeats >= 2 && (clearInterval(check), resolve()), 10);
      }),
      2000,
      'two heart-beats from the client',
    );
  });

  it('writes SEND with its own headers first, then the extra ones, given as an object or as entries', async () => {
    const [conn, socket] = await connected();
    await conn.send('/queue/a', '{}', { contentType: 'application/json', headers: { 'reply-to': '/temp-queue/r', priority: 4, persistent: true, skipped: undefined } });
    const fromObject = await socket.next('SEND');
    expect(fromObject.entries).toEqual([
      ['destination', '/queue/a'],
      ['content-type', 'application/json'],
      ['reply-to', '/temp-queue/r'],
      ['priority', '4'],
      ['persistent', 'true'],
      ['content-length', '2'],
    ]);
    const extra: [string, string][] = [['x-a', '1'], ['x-a', '2']];
    await conn.send('/queue/a', 'b', { headers: extra });
    expect((await socket.next('SEND')).entries.slice(0, 3)).toEqual([['destination', '/queue/a'], ['x-a', '1'], ['x-a', '2']]);
    expect(extra).toEqual([['x-a', '1'], ['x-a', '2']]);
  });

  it('reports EOLs between frames to the listeners that take onHeartbeat, from when they are set until removed', async () => {
    const [conn, socket] = await connected();
    const seen = new Inbox<string>();
    const beats = { onHeartbeat: () => seen.push('beat') };
    conn.setListener('m', { onMessage: (frame) => seen.push(frame.header('message-id') ?? '') });
    conn.setListener('beats', beats);
    await conn.subscribe('/queue/a', 's1', 'auto');
    await socket.next('SUBSCRIBE');
    socket.write('\nMESSAGE\nsubscription:s1\nmessage-id:m1\n\n\0\r\n');
    expect(await seen.take(3)).toEqual(['beat', 'm1', 'beat']);
    conn.removeListener('beats');
    socket.write('\nMESSAGE\nsubscription:s1\nmessage-id:m2\n\n\0\n');
    expect(await seen.next()).toBe('m2');
    conn.setListener('beats', beats);
    socket.write('\nMESSAGE\nsubscription:s1\nmessage-id:m3\n\n\0');
    // In order on one socket: a beat delivered while removed would come before these.
    expect(await seen.take(2)).toEqual(['beat', 'm3']);
  });

  it('reconnects after the socket is cut mid-frame and re-subscribes', async () => {
    const [conn, first] = await connected();
    const disconnected = new Inbox<true>();
    conn.setListener('d', { onDisconnected: () => disconnected.push(true) });
    await conn.subscribe('/topic/t', 'x1', 'auto');
    await first.next('SUBSCRIBE');
    first.write('MESSAGE\nsubscription:x1\nmessage-id:1\ncontent-length:100\n\nonly part of the bo');
    await new Promise((resolve) => setImmediate(resolve));
    first.cut();
    await disconnected.next();
    const second = await peer().nextConnection();
    await second.accept();
    expect((await second.next('SUBSCRIBE')).header('id')).toBe('x1');
    expect(conn.isConnected()).toBe(true);
  });

  it('sends connectHeaders in every CONNECT, reconnects too; connect({ headers }) wins on a shared name', async () => {
    const conn = open({ connectHeaders: { 'client-id': 'billing', tenant: 'a' } });
    const done = conn.connect({ headers: { tenant: 'b' } });
    const first = await peer().nextConnection();
    const connect = await first.accept();
    await done;
    const extra = (frame: Frame): string[][] => frame.entries.filter(([name]) => ['client-id', 'tenant'].includes(name)).map(([name, value]) => [name, value]);
    expect(extra(connect)).toEqual([['client-id', 'billing'], ['tenant', 'b']]);
    first.cut();
    const second = await peer().nextConnection();
    expect(extra(await second.accept())).toEqual([['client-id', 'billing'], ['tenant', 'b']]);
  });

  it.each([
    ['RabbitMQ/3.10.8', 'client-individual', ['a-1', 'a-2']],
    ['ActiveMQ/5.17.2', 'client', ['a-2']],
  ])('settles a client subscription on %s as the broker needs it: SUBSCRIBE ack %s, ACKs for %j', async (server, wireAck, acked) => {
    const [conn, socket] = await connected({}, { version: '1.2', server });
    await conn.subscribe('/queue/a', 'a', 'client');
    expect((await socket.next('SUBSCRIBE')).header('ack')).toBe(wireAck);
    const messages = new Inbox<Frame>();
    conn.setListener('m', { onMessage: (frame) => messages.push(frame) });
    // RabbitMQ would also take b-1, another subscription's, as settled by a cumulative ACK of a-2.
    for (const [sub, id] of [['a', 'a-1'], ['b', 'b-1'], ['a', 'a-2']]) socket.write(`MESSAGE\nsubscription:${sub}\nmessage-id:${id}\nack:${id}\ndestination:/queue/${sub}\n\n\0`);
    const [, , a2] = await messages.take(3);
    await conn.ack(a2!);
    const written = [];
    for (const _ of acked) written.push((await socket.next('ACK')).header('id'));
    expect(written).toEqual(acked);
    await expect(conn.ack(a2!)).rejects.toThrow(/unknown or already acknowledged/);
  });

  it('fails over from a dead port to a live one', async () => {
    const dead = await deadPort();
    const tried = new Inbox<string>();
    const conn = open({ hosts: [['127.0.0.1', dead], ['127.0.0.1', peer().port]] });
    conn.setListener('c', { onConnecting: ([host, port]) => tried.push(`${host}:${port}`) });
    const done = conn.connect();
    await (await peer().nextConnection()).accept();
    await done;
    expect(await tried.take(2)).toEqual([`127.0.0.1:${dead}`, `127.0.0.1:${peer().port}`]);
    expect(conn.hostAndPort).toEqual(['127.0.0.1', peer().port]);
  });

  it('gives up after reconnectAttemptsMax failed attempts with a StompConnectionError', async () => {
    const dead = await deadPort();
    const conn = open({ hosts: [['127.0.0.1', dead]], reconnectAttemptsMax: 3, random: () => 0 });
    const stats = new Inbox<string>();
    conn.setListener('c', { onConnecting: () => stats.push('try') });
    const error = await conn.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StompConnectionError);
    expect((error as StompError).code).toBe('STOMP_ERR_CONNECTION');
    expect(stats.pending).toHaveLength(3);
  });

  it('rejects connect with a StompBrokerError carrying the ERROR frame', async () => {
    const conn = open({ reconnectAttemptsMax: 1 });
    const errors = new Inbox<Frame>();
    conn.setListener('e', { onError: errors.push });
    const done = conn.connect().catch((e: unknown) => e);
    const socket = await peer().nextConnection();
    await socket.next('STOMP');
    socket.write('ERROR\nmessage:Access refused\n\nbad login\0');
    socket.socket.end();
    const error = await done;
    expect(error).toBeInstanceOf(StompBrokerError);
    expect((error as StompBrokerError).frame.header('message')).toBe('Access refused');
    expect((error as Error).message).toContain('Access refused');
    expect((await errors.next()).body.toString()).toBe('bad login');
  });

  it('rejects the receipt an ERROR frame names, and times out a receipt that never comes', async () => {
    const [conn, socket] = await connected({ receiptTimeout: 0.2 });
    const refused = conn.send('/queue/x', 'a', { receipt: 'r-1' });
    await socket.next('SEND');
    socket.write('ERROR\nreceipt-id:r-1\nmessage:no\n\n\0');
    await expect(refused).rejects.toBeInstanceOf(StompBrokerError);
    const silent = await connected({ receiptTimeout: 0.2 });
    const error = await silent[0].send('/queue/x', 'a', { receipt: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StompTimeoutError);
    expect((error as StompTimeoutError).timeoutMs).toBe(200);
  });

  it('fails every awaited receipt at once on an ERROR that names none (RabbitMQ sends those)', async () => {
    const [conn, socket] = await connected({ receiptTimeout: 30 });
    const first = conn.send('/queue/x', 'a', { receipt: true }).catch((e: unknown) => e);
    const second = conn.subscribe('/bad/destination', 's-1', 'auto', undefined, { receipt: true }).catch((e: unknown) => e);
    await socket.next('SEND');
    await socket.next('SUBSCRIBE');
    socket.write('ERROR\nmessage:Invalid destination\n\n\0');
    for (const error of await Promise.all([first, second])) {
      expect(error).toBeInstanceOf(StompBrokerError);
      expect((error as Error).message).toContain('Invalid destination');
    }
  });

  it("takes RabbitMQ's ERROR for a message still on its way to an ended subscription as a notice: no error, no receipt failed", async () => {
    const [conn, socket] = await connected({ receiptTimeout: 30 });
    const late = new Inbox<string>();
    const errors = new Inbox<string>();
    conn.setListener('late', { onDeliveryAfterUnsubscribe: (id) => late.push(id), onError: (frame) => errors.push(frame.text()) });
    await conn.subscribe('/queue/a', 'ended', 'client-individual');
    await conn.subscribe('/queue/b', 'live', 'client-individual');
    await conn.unsubscribe('ended');
    const pending = conn.send('/queue/x', 'a', { receipt: 'r-1' });
    for (const command of ['SUBSCRIBE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'SEND']) await socket.next(command);
    socket.write("ERROR\nmessage:Subscription not found\ncontent-type:text/plain\n\nThere is no current subscription with tag 'T_ended'.\0");
    expect(await late.next()).toBe('ended');
    socket.write('RECEIPT\nreceipt-id:r-1\n\n\0');
    await pending;
    // About a subscription that is still there, the same words are an error like any other.
    socket.write("ERROR\nmessage:Subscription not found\n\nThere is no current subscription with tag 'T_live'.\0");
    expect(await errors.next()).toContain("'T_live'");
    expect(errors.pending).toEqual([]);
  });

  it('times out a peer that never answers CONNECTED', async () => {
    const conn = open({ timeout: 0.2, reconnectAttemptsMax: 1 });
    const done = conn.connect().catch((e: unknown) => e);
    await (await peer().nextConnection()).next('STOMP');
    const error = await done;
    expect(error).toBeInstanceOf(StompConnectionError);
    expect((error as Error).cause).toBeInstanceOf(StompTimeoutError);
  });

  it.each([
    ['an unknown command', 'HELLO\n\n\0'],
    ['a header line without colon', 'MESSAGE\nsubscription\n\n\0'],
    ['a bad content-length', 'MESSAGE\ncontent-length:-4\n\n\0'],
    ['an undefined escape', 'MESSAGE\nx:a\\tb\n\n\0'],
    ['a body longer than content-length', 'MESSAGE\ncontent-length:1\n\nabc\0'],
    ['a client command from the broker', 'SEND\ndestination:/x\n\n\0'],
  ])('drops the connection on %s with a StompFrameError, then reconnects', async (_name, garbage) => {
    const [conn, socket] = await connected();
    const errors = new Inbox<StompError>();
    const reconnected = new Inbox<true>();
    conn.setListener('e', { onConnectionError: errors.push, onConnected: () => reconnected.push(true) });
    socket.write(garbage);
    expect(await errors.next()).toBeInstanceOf(StompFrameError);
    await socket.closed;
    await (await peer().nextConnection()).accept();
    await reconnected.next();
    expect(conn.isConnected()).toBe(true);
  });

  it('bounds the header section of a frame that never ends', async () => {
    const [conn, socket] = await connected({ maxHeaderBytes: 1024 });
    const errors = new Inbox<StompError>();
    conn.setListener('e', { onConnectionError: errors.push });
    socket.write('MESSAGE\n' + 'x:y\n'.repeat(400));
    const error = await errors.next();
    expect(error.code).toBe('STOMP_ERR_LIMIT_EXCEEDED');
  });

  it('counts with StatsListener and lets the seed example reconnect from onDisconnected', async () => {
    const conn = open({ autoReconnect: false });
    const stats = new StatsListener();
    conn.setListener('stats', stats);
    const reconnected = new Inbox<unknown>();
    const connectAndSubscribe = async (): Promise<void> => {
      await conn.connect({ login: 'guest', passcode: 'guest', wait: true });
      await conn.subscribe('/queue/test', '1', 'auto');
    };
    conn.setListener('', {
      onDisconnected: () => {
        void connectAndSubscribe().then(() => reconnected.push(true), reconnected.push);
      },
    });
    const first = connectAndSubscribe();
    const s1 = await peer().nextConnection();
    await s1.accept();
    await first;
    await s1.next('SUBSCRIBE');
    s1.cut();
    const s2 = await peer().nextConnection();
    await s2.accept();
    expect(await reconnected.next()).toBe(true);
    expect((await s2.next('SUBSCRIBE')).header('id')).toBe('1');
    expect(stats.connections).toBe(2);
    expect(stats.disconnects).toBe(1);
    // The example reconnects on every disconnect, its own included: stop that before cleanup.
    conn.removeListener('');
  });
});
