import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StompBrokerError, StompConnection, StompUsageError } from '../../lib';
import { EmbeddedBroker, waitForMessage } from '../../lib/testing';
import { deadPort } from '../support/fake-peer';
import { closeAll, session } from '../support/session';
import { Inbox } from '../support/wait';
import { cleanUp, RawClient, startBroker, targetOf } from './harness';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

describe('EmbeddedBroker: lifecycle and CONNECT', () => {
  afterEach(async () => {
    await closeAll();
    await cleanUp();
  });

  it('listens on a random loopback port and describes where', async () => {
    const [a, b] = [await startBroker(), await startBroker()];
    expect(a.port).toBeGreaterThan(0);
    expect(a.port).not.toBe(b.port);
    expect(a.url).toBe(`stomp://127.0.0.1:${a.port}`);
    expect(a.connectionOptions).toEqual({ hosts: [['127.0.0.1', a.port]], login: undefined, passcode: undefined });
  });

  it('listens on a given port, and fails to start on a port in use', async () => {
    const port = await deadPort();
    const broker = await startBroker({ port });
    expect(broker.port).toBe(port);
    await expect(EmbeddedBroker.start({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(EmbeddedBroker.start({ port: 70_000 })).rejects.toBeInstanceOf(StompUsageError);
    await expect(EmbeddedBroker.start({ heartbeats: [1, -1] })).rejects.toBeInstanceOf(StompUsageError);
  });

  it.each([
    ['connectTimeoutMs -5', { connectTimeoutMs: -5 }],
    // Node clamps a timer past 2^31 - 1 ms to 1 ms: "never" would close every connection at once.
    ['connectTimeoutMs Infinity', { connectTimeoutMs: Infinity }],
    ['maxWriteBufferBytes NaN', { maxWriteBufferBytes: Number.NaN }],
    ['limits.maxBodyBytes -1', { limits: { maxBodyBytes: -1 } }],
    ['limits.maxHeaders 1.5', { limits: { maxHeaders: 1.5 } }],
  ])('refuses option %s with StompUsageError, without listening', async (_, options) => {
    const started = EmbeddedBroker.start(options);
    await expect(started).rejects.toBeInstanceOf(StompUsageError);
    await started.then((broker) => broker.stop(), () => undefined);
  });

  it.each(['1.0', '1.1', '1.2'] as const)('negotiates STOMP %s, with server, session and heart-beat headers in CONNECTED', async (version) => {
    const broker = await startBroker();
    const s = await session(targetOf(broker), version, { heartbeats: [200, 300] });
    const connected = s.conn.connected!;
    expect(s.conn.version).toBe(version);
    expect(connected.header('version')).toBe(version);
    expect(connected.header('server')).toBe(`nestjs-stomp-embedded/${PACKAGE_VERSION}`);
    expect(EmbeddedBroker.SERVER).toBe(`nestjs-stomp-embedded/${PACKAGE_VERSION}`);
    expect(connected.header('session')).toMatch(/^embedded-[0-9a-f]+-\d+$/);
    expect(broker.sessionIds()).toEqual([connected.header('session')]);
    // Without configured heart-beats the broker offers what the client asked for (cx,cy = 200,300).
    expect(connected.header('heart-beat')).toBe(version === '1.0' ? undefined : '300,200');
  });

  it('picks the highest common version from accept-version, and refuses when there is none', async () => {
    const broker = await startBroker();
    const older = await RawClient.connected(broker, 'accept-version:1.0,1.1\nhost:/\n');
    expect(older.frames.pending).toEqual([]);
    const none = await RawClient.open(broker);
    none.write('CONNECT\naccept-version:2.0,3.1\nhost:/\n\n\0');
    const error = await none.expectError();
    expect(error.header('message')).toBe('Supported protocol versions are 1.0,1.1,1.2');
    expect(error.header('version')).toBe('1.0,1.1,1.2');
  });

  it('takes both CONNECT and STOMP commands', async () => {
    const broker = await startBroker();
    for (const withConnectCommand of [true, false]) {
      const conn = new StompConnection({ ...broker.connectionOptions, autoReconnect: false });
      const sent = new Inbox<string>();
      conn.setListener('sent', { onSend: (frame) => sent.push(frame.command) });
      await conn.connect({ withConnectCommand });
      expect(await sent.next()).toBe(withConnectCommand ? 'CONNECT' : 'STOMP');
      expect(conn.isConnected()).toBe(true);
      await conn.disconnect();
    }
  });

  it('with users, accepts the right credentials and refuses others with ERROR "Access refused", then closes', async () => {
    const broker = await startBroker({ users: { alice: 's3cret', bob: 'pw' } });
    expect(broker.connectionOptions).toMatchObject({ login: 'alice', passcode: 's3cret' });
    const ok = await session(targetOf(broker, { login: 'bob', passcode: 'pw' }), '1.2');
    expect(ok.conn.isConnected()).toBe(true);
    const refused = await session(targetOf(broker, { login: 'alice', passcode: 'hunter2' }), '1.2').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StompBrokerError);
    expect((refused as StompBrokerError).frame.header('message')).toBe('Access refused');
    expect((refused as StompBrokerError).frame.text()).not.toContain('hunter2');
    const anonymous = await RawClient.open(broker);
    anonymous.write('CONNECT\naccept-version:1.2\nhost:/\n\n\0');
    expect((await anonymous.expectError()).header('message')).toBe('Access refused');
    // A name that only exists on Object.prototype is no user.
    const sneaky = await RawClient.open(broker);
    sneaky.write('CONNECT\naccept-version:1.2\nlogin:constructor\npasscode:x\n\n\0');
    expect((await sneaky.expectError()).header('message')).toBe('Access refused');
  });

  // broker.url had no credentials: waitForMessage(broker.url, …) was refused ("login \"\" refused").
  it('with users, url carries the first user\'s credentials (percent-encoded), so the URL alone connects', async () => {
    const plain = await startBroker({ users: { guest: 'guest' } });
    expect(plain.url).toBe(`stomp://guest:guest@127.0.0.1:${plain.port}`);
    const s = await session(targetOf(plain), '1.2');
    const queue = '/queue/url-credentials';
    await s.conn.send(queue, 'found', { receipt: true });
    expect((await waitForMessage(plain.url, queue)).text()).toBe('found');

    const odd = await startBroker({ users: { 'a@b:c': 'p/w%d@e', other: 'x' } });
    expect(odd.url).toBe(`stomp://a%40b%3Ac:p%2Fw%25d%40e@127.0.0.1:${odd.port}`);
    const conn = new StompConnection({ hosts: [odd.url], autoReconnect: false });
    await conn.connect();
    await conn.disconnect();
  });

  it('offers configured heart-beats, sends EOLs, and drops a client silent for twice its promised interval', async () => {
    const broker = await startBroker({ heartbeats: [50, 100] });
    const listener = await RawClient.connected(broker, 'accept-version:1.2\nheart-beat:0,50\n');
    await listener.heartbeats.take(3, 2000, 'heart-beats from the broker');
    const silent = await RawClient.open(broker);
    silent.write('CONNECT\naccept-version:1.2\nheart-beat:100,0\n\n\0');
    const connected = await silent.next('CONNECTED');
    expect(connected.header('heart-beat')).toBe('50,100');
    const since = performance.now();
    // Promised a beat every max(100, 100) ms, sent nothing: dropped after about 200 ms.
    await silent.waitClosed(3000);
    expect(performance.now() - since).toBeGreaterThanOrEqual(150);
    // A client that keeps its promise stays.
    const beating = await RawClient.connected(broker, 'accept-version:1.2\nheart-beat:100,0\n');
    const timer = setInterval(() => beating.write('\n'), 40);
    try {
      await listener.heartbeats.take(8, 3000, 'more heart-beats');
      expect(beating.socket.destroyed).toBe(false);
    } finally {
      clearInterval(timer);
    }
  });

  it('closes a connection that does not CONNECT in time', async () => {
    const broker = await startBroker({ connectTimeoutMs: 100 });
    const idle = await RawClient.open(broker);
    expect((await idle.expectError()).header('message')).toBe('no CONNECT frame within 100 ms');
  });

  it('closes one session or all of them on request, with an ERROR frame', async () => {
    const broker = await startBroker();
    const [a, b] = [await session(targetOf(broker), '1.2'), await session(targetOf(broker), '1.2')];
    const errors = new Inbox<string>();
    const gone = new Inbox<string>();
    for (const [name, s] of [['a', a], ['b', b]] as const) {
      s.conn.setListener('t', { onError: (frame) => errors.push(`${name}: ${frame.header('message')}`), onDisconnected: () => gone.push(name) });
    }
    expect(broker.closeConnections(a.conn.connected!.header('session'))).toBe(1);
    expect(await errors.next()).toBe('a: connection closed by the embedded broker');
    expect(await gone.next()).toBe('a');
    expect(b.conn.isConnected()).toBe(true);
    expect(broker.closeConnections('no-such-session')).toBe(0);
    expect(broker.closeConnections()).toBe(1);
    expect(await gone.next()).toBe('b');
    expect(broker.sessionIds()).toEqual([]);
  });

  it('stop() drops every connection, frees the port, and can be called twice', async () => {
    const broker = await EmbeddedBroker.start();
    const s = await session(targetOf(broker), '1.2');
    const raw = await RawClient.open(broker);
    const gone = new Inbox<true>();
    s.conn.setListener('t', { onDisconnected: () => gone.push(true) });
    await Promise.all([broker.stop(), broker.stop()]);
    await gone.next(3000, 'the engine to notice');
    await raw.waitClosed();
    const again = await startBroker({ port: broker.port });
    expect(again.port).toBe(broker.port);
  });
});
