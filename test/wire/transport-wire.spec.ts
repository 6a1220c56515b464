import {
  PrintingListener,
  StompConnectionError,
  StompTimeoutError,
  WaitingListener,
  type StompError,
} from '../../lib';
import { makeCerts, type TestCerts } from '../support/certs';
import { FakePeer, clientOf, closeClients, connectedClient, deadPort } from '../support/fake-peer';

describe('engine transport on the wire', () => {
  let peer: FakePeer;

  afterEach(async () => {
    await closeClients();
    await peer.stop();
  });

  describe('plain TCP', () => {
    beforeEach(async () => {
      peer = await FakePeer.start();
    });

    it('holds sends back when the peer stops reading, then refuses more than maxWriteBufferBytes', async () => {
      const [conn, socket] = await connectedClient(peer, { maxWriteBufferBytes: 1024 * 1024 });
      socket.socket.pause();
      const body = Buffer.alloc(64 * 1024, 0x61);
      const tick = (): Promise<'pending'> => new Promise((resolve) => setImmediate(() => resolve('pending')));
      let held: Promise<void> | undefined;
      for (let i = 0; i < 10_000 && held === undefined; i++) {
        const sent = conn.send('/queue/big', body);
        if ((await Promise.race([sent.then(() => 'sent' as const), tick()])) === 'pending') held = sent;
      }
      expect(held).toBeDefined();
      let refused: StompError | undefined;
      for (let i = 0; i < 10_000 && refused === undefined; i++) {
        conn.send('/queue/big', body).catch((error: StompError) => (refused = error));
        await tick();
      }
      expect(refused?.code).toBe('STOMP_ERR_BACKPRESSURE');
      const buffered = (conn as unknown as { socket: { writableLength: number } }).socket.writableLength;
      expect(buffered).toBeLessThanOrEqual(1024 * 1024 + 2 * body.length);
      socket.socket.resume();
      await expect(held).resolves.toBeUndefined();
    });

    it('rejects disconnect() with a StompTimeoutError when the broker never confirms, and closes anyway', async () => {
      const [conn, socket] = await connectedClient(peer, { receiptTimeout: 0.2 });
      socket.answersDisconnect = false;
      const error = await conn.disconnect().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StompTimeoutError);
      expect(conn.isConnected()).toBe(false);
      await socket.closed;
    });

    it('binds the local address and port given by bindHostPort', async () => {
      const localPort = await deadPort();
      const conn = clientOf(peer, { bindHostPort: ['127.0.0.1', localPort] });
      const done = conn.connect();
      const socket = await peer.nextConnection();
      expect(socket.socket.remotePort).toBe(localPort);
      await socket.accept();
      await done;
    });

    it('sends CONNECT instead of STOMP with withConnectCommand', async () => {
      const conn = clientOf(peer);
      const done = conn.connect({ withConnectCommand: true, headers: { 'client-id': 'c-1' } });
      const socket = await peer.nextConnection();
      const connect = await socket.accept();
      await done;
      expect(connect.command).toBe('CONNECT');
      expect(connect.header('client-id')).toBe('c-1');
    });

    it('PrintingListener shows the traffic but never the passcode; WaitingListener waits for a receipt', async () => {
      const lines: string[] = [];
      const conn = clientOf(peer, { login: 'user', passcode: 's3cret-pass' });
      conn.setListener('print', new PrintingListener((line) => lines.push(line), true));
      const waiter = new WaitingListener('r-9');
      conn.setListener('wait', waiter);
      const done = conn.connect();
      const socket = await peer.nextConnection();
      const connect = await socket.accept();
      await done;
      expect(connect.header('passcode')).toBe('s3cret-pass');
      void conn.send('/queue/p', 'hello', { receipt: 'r-9' }).catch(() => undefined);
      await socket.next('SEND');
      socket.write('RECEIPT\nreceipt-id:r-9\n\n\0');
      await waiter.waitOnReceipt(5000);
      const output = lines.join('\n');
      expect(output).toContain('on_connecting 127.0.0.1');
      expect(output).toContain('on_send SEND');
      expect(output).toContain('on_receipt RECEIPT');
      expect(output).toContain('passcode:********');
      expect(output).not.toContain('s3cret-pass');
    });
  });

  describe('TLS', () => {
    let certs: TestCerts;

    beforeAll(() => {
      certs = makeCerts();
    });

    afterAll(() => certs.cleanup());

    it('connects over stomp+ssl:// with the CA that signed the broker certificate', async () => {
      peer = await FakePeer.start({ key: certs.key, cert: certs.cert });
      const conn = clientOf(peer, { hosts: [`stomp+ssl://localhost:${peer.port}`], tls: { ca: certs.ca } });
      const done = conn.connect();
      await (await peer.nextConnection()).accept();
      await done;
      expect(conn.isConnected()).toBe(true);
    });

    it.each([
      ['an unknown CA', (c: TestCerts) => ({ ca: c.otherCa }), 'localhost'],
      ['the wrong host name', (c: TestCerts) => ({ ca: c.ca, servername: 'broker.example' }), 'localhost'],
      ['no CA at all (verification is on by default)', () => ({}), 'localhost'],
    ])('refuses %s with a StompConnectionError naming the certificate problem', async (_name, tls, host) => {
      peer = await FakePeer.start({ key: certs.key, cert: certs.cert });
      const conn = clientOf(peer, { hosts: [`stomp+ssl://${host}:${peer.port}`], tls: tls(certs), reconnectAttemptsMax: 1 });
      const error = await conn.connect().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StompConnectionError);
      expect(String((error as Error).message)).toMatch(/certificate|altnames|Hostname/i);
    });

    it('presents a client certificate for mutual TLS', async () => {
      peer = await FakePeer.start({ key: certs.key, cert: certs.cert, ca: certs.ca, requestCert: true, rejectUnauthorized: true });
      const refused = clientOf(peer, { hosts: [`stomp+ssl://localhost:${peer.port}`], tls: { ca: certs.ca }, reconnectAttemptsMax: 1, timeout: 2 });
      const withoutCert = refused.connect().catch((e: unknown) => e);
      expect(await withoutCert).toBeInstanceOf(StompConnectionError);
      const conn = clientOf(peer, { hosts: [`stomp+ssl://localhost:${peer.port}`], tls: { ca: certs.ca, key: certs.clientKey, cert: certs.clientCert } });
      const done = conn.connect();
      const socket = await peer.nextConnection();
      expect((socket.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN).toBe('nestjs-stomp-client');
      await socket.accept();
      await done;
    });
  });
});

