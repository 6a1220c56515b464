import { createHook } from 'node:async_hooks';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ClientStomp, StompConnection, StompConnectionError, StompFrameError, type Frame, type StompError } from '../../lib';
import { BROKERS } from '../support/brokers';
import { clientOf, connectedClient, useFakePeer } from '../support/fake-peer';
import { closeAll } from '../support/session';
import { Inbox, within } from '../support/wait';

const RABBITMQ = BROKERS.find((b) => b.name === 'rabbitmq')!;

/** Collects unhandled rejections until stopped: a fault must surface as a rejection of a call, not of a promise nobody holds. */
function watchRejections(): { rejections: unknown[]; stop(): void } {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): number => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  return { rejections, stop: () => process.off('unhandledRejection', onRejection) };
}

/** Counts the heart-beat monitors' timers still armed, from their creation on. */
function watchHeartbeatTimers(): { armed(): number; stop(): void } {
  const timers = new Map<number, NodeJS.Timeout>();
  const hook = createHook({
    init: (id, type, _trigger, resource) => {
      if (type === 'Timeout' && /HeartbeatMonitor\./.test(new Error().stack ?? '')) timers.set(id, resource as NodeJS.Timeout);
    },
    destroy: (id) => timers.delete(id),
  }).enable();
  // clearTimeout() marks a timer destroyed at once; the destroy hook runs only later.
  const armed = (): number => [...timers.values()].filter((timer) => !(timer as { _destroyed?: boolean })._destroyed).length;
  return { armed, stop: () => hook.disable() };
}

/** A listener that accepts connections and never sends a byte: a TLS handshake to it never ends. */
async function silentServer(): Promise<{ port: number; accepted: Promise<Socket>; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let onAccept!: (socket: Socket) => void;
  const accepted = new Promise<Socket>((resolve) => (onAccept = resolve));
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.add(socket);
    onAccept(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Lets Node report the rejections left unhandled by the ticks so far. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Connect and disconnect in unusual orders and with unusual arguments: each settles promptly, with a typed error when it fails. */
describe('connection lifecycle', () => {
  const conns: StompConnection[] = [];
  const watchers: Array<{ stop(): void }> = [];

  afterEach(async () => {
    for (const watcher of watchers.splice(0)) watcher.stop();
    await Promise.all(conns.splice(0).map((conn) => conn.disconnect().catch(() => undefined)));
    await closeAll();
  });

  function rabbit(options: ConstructorParameters<typeof StompConnection>[0] = {}): StompConnection {
    const conn = new StompConnection({ ...RABBITMQ.options, ...options });
    conns.push(conn);
    return conn;
  }

  function watch(): unknown[] {
    const watcher = watchRejections();
    watchers.push(watcher);
    return watcher.rejections;
  }

  it('refuses a CONNECT header the wire cannot carry at once: no socket, no retry, no stray rejection', async () => {
    const rejections = watch();
    const conn = rabbit({ passcode: 'guest\r', reconnectAttemptsMax: 3, reconnectSleepInitial: 1 });
    const connecting = new Inbox<unknown>();
    conn.setListener('watch', { onConnecting: connecting.push });
    const error = await within(
      conn.connect().catch((e: StompError) => e),
      // Three attempts would take over a second of backoff alone.
      500,
      'connect() to fail',
    );
    expect(error).toBeInstanceOf(StompFrameError);
    expect((error as StompError).code).toBe('STOMP_ERR_UNENCODABLE');
    expect((error as StompError).message).not.toContain('guest');
    expect(connecting.pending).toEqual([]);
    await nextTurn();
    expect(rejections).toEqual([]);
    await conn.connect({ passcode: 'guest' });
    expect(conn.isConnected()).toBe(true);
  });

  it('connect() called while disconnect() runs waits for it, then connects; no heart-beat timer outlives its socket', async () => {
    const timers = watchHeartbeatTimers();
    watchers.push(timers);
    const conn = rabbit({ heartbeats: [100, 0] });
    await conn.connect();
    expect(timers.armed()).toBe(1);
    const events: string[] = [];
    conn.setListener('order', { onConnecting: () => events.push('connecting'), onDisconnected: () => events.push('disconnected'), onConnected: () => events.push('connected') });
    const disconnected = conn.disconnect().then(() => events.push('disconnect() resolved'));
    const connected = conn.connect().then(() => events.push('connect() resolved'));
    await within(Promise.all([disconnected, connected]), 5000, 'disconnect() and connect()');
    expect(events).toEqual(['disconnected', 'disconnect() resolved', 'connecting', 'connected', 'connect() resolved']);
    expect(conn.isConnected()).toBe(true);
    expect(timers.armed()).toBe(1);
    await conn.disconnect();
    expect(timers.armed()).toBe(0);
  });

  it('a disconnect() called after a connect() that waits for the one under way cancels it', async () => {
    const conn = rabbit();
    await conn.connect();
    const first = conn.disconnect();
    const connecting = conn.connect().catch((e: unknown) => e);
    const last = conn.disconnect();
    expect(last).toBe(first);
    await within(last, 5000, 'disconnect()');
    expect(await within(connecting, 5000, 'the queued connect() to settle')).toMatchObject({ name: 'StompConnectionError', code: 'STOMP_ERR_NOT_CONNECTED' });
    expect(conn.isConnected()).toBe(false);
  });

  it('connect({ wait: false }) behind a disconnect() returns at once, and its cancellation reaches listeners, not an unhandled rejection', async () => {
    const watch = watchRejections();
    try {
      const conn = rabbit();
      await conn.connect();
      const errors = new Inbox<StompError>();
      conn.setListener('errors', { onConnectionError: errors.push });
      const first = conn.disconnect();
      await expect(conn.connect({ wait: false })).resolves.toBeUndefined();
      await within(conn.disconnect(), 5000, 'disconnect()');
      await first;
      expect(await errors.next(5000, 'the cancelled connect')).toMatchObject({ name: 'StompConnectionError', code: 'STOMP_ERR_NOT_CONNECTED' });
      expect(conn.isConnected()).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(watch.rejections).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it('a second disconnect() while the first runs joins it: one DISCONNECT, both fulfilled', async () => {
    const conn = rabbit();
    await conn.connect();
    const sent: string[] = [];
    let disconnects = 0;
    conn.setListener('watch', { onSend: (frame) => sent.push(frame.command), onDisconnected: () => disconnects++ });
    const first = conn.disconnect();
    const second = conn.disconnect();
    expect(second).toBe(first);
    await within(Promise.all([first, second]), 5000, 'both disconnect() calls');
    expect(sent).toEqual(['DISCONNECT']);
    expect(disconnects).toBe(1);
  });

  describe('a ClientStomp whose reply subscription the broker refuses', () => {
    const peer = useFakePeer();

    it('fails the connect and disconnects that connection, instead of leaving it reconnecting', async () => {
      const client = new ClientStomp({ hosts: [['127.0.0.1', peer().port]], replyTo: '/queue/replies', subscribeReplyTo: true });
      const connecting = client.connect().catch((e: unknown) => e);
      const socket = await peer().nextConnection();
      await socket.accept();
      const subscribe = await socket.next('SUBSCRIBE');
      socket.write(`ERROR\nreceipt-id:${subscribe.header('receipt')}\nmessage:access refused\n\n\0`);
      expect(await within(connecting, 5000, 'the connect to fail')).toMatchObject({ name: 'StompBrokerError' });
      await socket.next('DISCONNECT');
      await client.close();
    });
  });

  describe('a ClientStomp failing over from RabbitMQ to a broker of another kind', () => {
    const rabbit = useFakePeer();
    const other = useFakePeer();

    it('subscribes to its reply destination there, which RabbitMQ had done by itself', async () => {
      const client = new ClientStomp({ hosts: [['127.0.0.1', rabbit().port], ['127.0.0.1', other().port]], reconnectSleepInitial: 0.01 });
      try {
        const connecting = client.connect();
        const first = await rabbit().nextConnection();
        await first.accept({ version: '1.2', server: 'RabbitMQ/3.10.8' });
        await within(connecting, 5000, 'the first connect');
        await rabbit().stop();
        const second = await other().nextConnection();
        await second.accept({ version: '1.2', server: 'ActiveMQ/5.17.2' });
        const subscribe = await second.next('SUBSCRIBE');
        expect(subscribe.header('destination')).toBe(client.unwrap().getSubscriptions().get('nest-replies')?.destination);
        expect(subscribe.header('destination')).toMatch(/^\/temp-queue\/nestjs-stomp-/);
        second.write(`RECEIPT\nreceipt-id:${subscribe.header('receipt')}\n\n\0`);
      } finally {
        await client.close();
      }
    });
  });

  describe('a ClientStomp whose broker never confirms the DISCONNECT', () => {
    const peer = useFakePeer();

    it('close() resolves once the receipt wait ran out, with the socket closed', async () => {
      const client = new ClientStomp({ hosts: [['127.0.0.1', peer().port]], receiptTimeout: 0.2, subscribeReplyTo: false });
      const connecting = client.connect();
      const socket = await peer().nextConnection();
      socket.answersDisconnect = false;
      await socket.accept();
      await within(connecting, 5000, 'the connect');
      const closing = client.close();
      await socket.next('DISCONNECT');
      await within(closing, 5000, 'close()');
      await within(socket.closed, 5000, 'the socket to close');
    });
  });

  describe('a broker that confirms DISCONNECT but closes late', () => {
    const peer = useFakePeer();

    it('writes no heart-beat on the ended socket, so the client reports no error', async () => {
      const [conn, socket] = await connectedClient(peer(), { heartbeats: [50, 0] }, { version: '1.2', 'heart-beat': '0,50' });
      // The client's FIN must not close the peer's side: it stays open until the client destroys the socket.
      socket.socket.allowHalfOpen = true;
      socket.answersDisconnect = false;
      const errors: StompError[] = [];
      conn.setListener('errors', { onConnectionError: (error) => errors.push(error) });
      const disconnecting = conn.disconnect();
      const request = await socket.next('DISCONNECT');
      socket.write(`RECEIPT\nreceipt-id:${request.header('receipt')}\n\n\0`);
      // The peer never closes: the client's guard destroys the socket after a second, twenty heart-beat periods;
      // a heart-beat written on the ended socket would fail as 'write after end'.
      await within(disconnecting, 5000, 'disconnect()');
      expect(errors).toEqual([]);
    });
  });

  describe('disconnect() during a connect attempt', () => {
    const peer = useFakePeer();
    /** Far beyond the deadline of each test: only the stop itself can end the attempt in time. */
    const slow = { timeout: 10, reconnectSleepInitial: 8, reconnectSleepJitter: 0, reconnectAttemptsMax: -1 };

    async function expectStopped(connecting: Promise<unknown>, disconnecting: Promise<void>): Promise<void> {
      const error = await within(connecting.catch((e: unknown) => e), 1000, 'connect() to fail');
      expect(error).toBeInstanceOf(StompConnectionError);
      expect((error as StompError).code).toBe('STOMP_ERR_NOT_CONNECTED');
      expect((error as StompError).message).toMatch(/cancelled by disconnect/);
      await within(disconnecting, 1000, 'disconnect()');
    }

    it('waiting for CONNECTED: both settle at once, no backoff sleep', async () => {
      const conn = clientOf(peer(), slow);
      const connecting = conn.connect();
      const socket = await peer().nextConnection();
      await socket.next('STOMP');
      const disconnecting = conn.disconnect();
      await expectStopped(connecting, disconnecting);
      await socket.closed;
    });

    it('opening the socket (a TLS handshake never answered): the socket is destroyed and both settle at once', async () => {
      const server = await silentServer();
      try {
        const conn = new StompConnection({ hosts: [['127.0.0.1', server.port]], tls: true, ...slow });
        conns.push(conn);
        const connecting = conn.connect();
        const socket = await within(server.accepted, 5000, 'the TCP connection');
        const closed = new Promise((resolve) => socket.once('close', resolve));
        await expectStopped(connecting, conn.disconnect());
        await within(closed, 1000, 'the client to drop the socket');
      } finally {
        await server.stop();
      }
    });
  });

  describe('a connection the engine drops inside a read', () => {
    const peer = useFakePeer();

    it('delivers nothing of the read after the frame that dropped it, and refuses acking a message of the old session', async () => {
      const [conn, first] = await connectedClient(peer());
      const messages = new Inbox<Frame>();
      const connected = new Inbox<true>();
      conn.setListener('watch', { onMessage: messages.push, onConnected: () => connected.push(true) });
      await conn.subscribe('/queue/a', 's1', 'client-individual');
      await conn.subscribe('/queue/b', 's2', 'client-individual');
      await first.next('SUBSCRIBE');
      await first.next('SUBSCRIBE');
      first.write('MESSAGE\nsubscription:s2\ndestination:/queue/b\nmessage-id:m-1\nack:old-1\n\nbefore\0');
      const before = await messages.next(5000, 'the first message');
      // RabbitMQ's notice of a cancelled consumer, and in the same read a message of another subscription.
      first.write('ERROR\nsubscription:s1\nmessage:Server cancelled subscription\n\n\0MESSAGE\nsubscription:s2\ndestination:/queue/b\nmessage-id:m-2\nack:old-2\n\nafter\0');
      await first.closed;
      const second = await peer().nextConnection();
      await second.accept();
      await connected.next(5000, 'the reconnect');
      await second.next('SUBSCRIBE');
      await second.next('SUBSCRIBE');
      expect(messages.pending).toEqual([]);

      const sent: string[] = [];
      conn.setListener('sent', { onSend: (frame) => sent.push(frame.command) });
      await expect(conn.ack(before)).rejects.toMatchObject({ name: 'StompUsageError', code: 'STOMP_ERR_INVALID_STATE' });
      // Neither of the dropped message's ids is tracked, whatever the version the ack id was read for.
      for (const id of ['old-2', 'm-2']) await expect(conn.ack(id)).rejects.toMatchObject({ name: 'StompUsageError', code: 'STOMP_ERR_INVALID_STATE' });
      expect(sent).toEqual([]);
    });

    it('reconnects when the reconnect itself is dropped by the ERROR that came with its CONNECTED', async () => {
      const [conn, first] = await connectedClient(peer());
      await conn.subscribe('/queue/a', 's1', 'client-individual');
      await first.next('SUBSCRIBE');
      first.cut();
      const second = await peer().nextConnection();
      await second.next('STOMP');
      // The subscription cancelled as the session opens: both frames in one read.
      second.write('CONNECTED\nversion:1.2\n\n\0ERROR\nsubscription:s1\nmessage:Server cancelled subscription\n\n\0');
      await second.closed;
      const third = await peer().nextConnection(5000);
      await third.accept();
      expect((await third.next('SUBSCRIBE')).header('id')).toBe('s1');
      expect(conn.isConnected()).toBe(true);
    });

    it('refuses a receipt id that another frame still awaits', async () => {
      const [conn, socket] = await connectedClient(peer());
      const first = conn.send('/queue/a', 'one', { receipt: 'r-1' });
      await socket.next('SEND');
      await expect(conn.send('/queue/a', 'two', { receipt: 'r-1' })).rejects.toMatchObject({ name: 'StompUsageError', code: 'STOMP_ERR_INVALID_STATE' });
      socket.write('RECEIPT\nreceipt-id:r-1\n\n\0');
      await within(first, 5000, 'the first RECEIPT');
    });
  });

  describe('a reconnect whose version cannot carry a subscription', () => {
    const peer = useFakePeer();

    it('fails that attempt at once with the encoder error, not at the CONNECTED timeout', async () => {
      const [conn, first] = await connectedClient(peer(), { timeout: 10 });
      const errors = new Inbox<StompError>();
      conn.setListener('watch', { onConnectionError: errors.push });
      // 1.2 escapes CR; 1.1, which the broker picks on the reconnect, cannot carry it.
      await conn.subscribe('/queue/a', 's1', 'auto', { selector: "x = 'a\rb'" });
      await first.next('SUBSCRIBE');
      first.cut();
      const second = await peer().nextConnection();
      await second.accept({ version: '1.1' });
      let error: StompError;
      // The cut itself is reported first, as a socket error.
      do error = await errors.next(2000, 'the encoder error');
      while (!(error instanceof StompFrameError));
      expect(error.code).toBe('STOMP_ERR_UNENCODABLE');
      await within(second.closed, 2000, 'the attempt to be dropped');
      expect(conn.isConnected()).toBe(false);
      // The next attempt follows after the short backoff, not after the 10 s CONNECTED timeout.
      await peer().nextConnection(2000);
    });
  });
});
