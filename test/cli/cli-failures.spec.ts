import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BROKERS } from '../support/brokers';
import { makeCerts, type TestCerts } from '../support/certs';
import { deadPort, FakePeer } from '../support/fake-peer';
import { killAll, lines, runCli, CliProcess } from './cli-process';

const rabbitmq = BROKERS.find((broker) => broker.name === 'rabbitmq')!;
const [rabbitHost, rabbitPort] = rabbitmq.options.hosts![0] as [string, number];

/** What every failure must look like: one `nestjs-stomp:` line, no stack trace. */
function expectOneErrorLine(stderr: string): string {
  expect(lines(stderr)).toHaveLength(1);
  expect(stderr).toMatch(/^nestjs-stomp: \S.*\n$/);
  expect(stderr).not.toMatch(/^\s+at /m);
  return stderr;
}

afterEach(() => killAll());

describe('nestjs-stomp failures', () => {
  it('a wrong passcode on RabbitMQ: the broker refusal on one line, exit 1, the passcode nowhere', async () => {
    const secret = `wrong-${randomUUID()}`;
    const { code, stdout, stderr } = await runCli(['ping', '--host', rabbitHost, '--port', String(rabbitPort), '--login', 'guest', '--passcode', secret]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(expectOneErrorLine(stderr)).toMatch(/^nestjs-stomp: broker error: .*ACCESS_REFUSED|^nestjs-stomp: broker error: .*Access refused/i);
    expect(stderr).not.toContain(secret);
  });

  it('a wrong passcode in STOMP_URL stays hidden even with --verbose frame printing', async () => {
    const secret = `wrong-${randomUUID()}`;
    const { code, stdout, stderr } = await runCli(['ping', '--verbose'], { env: { STOMP_URL: `stomp://guest:${secret}@${rabbitHost}:${rabbitPort}` } });
    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain(secret);
    expect(stderr).toContain('passcode:********');
    expect(lines(stderr).filter((line) => line.startsWith('nestjs-stomp:'))).toHaveLength(1);
  });

  it('connection refused names host:port, exit 1', async () => {
    const port = await deadPort();
    const { code, stderr } = await runCli(['ping', '--url', `stomp://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(expectOneErrorLine(stderr)).toContain(`127.0.0.1:${port}`);
    expect(stderr).toContain('ECONNREFUSED');
  });

  it.each([
    [['send', '/queue/x'], "nestjs-stomp: send needs BODY (see 'nestjs-stomp send --help')"],
    [['subscribe', '/queue/x', '--count', 'many'], 'nestjs-stomp: --count must be a whole number >= 1, got "many" (see \'nestjs-stomp subscribe --help\')'],
  ])('a usage error (%j) exits 2 with one line, before connecting', async (args, message) => {
    // Port 1: were it to connect, the error would be a refused connection with exit 1.
    const { code, stdout, stderr } = await runCli([...args, '--url', 'stomp://127.0.0.1:1']);
    expect(stdout).toBe('');
    expect(expectOneErrorLine(stderr)).toBe(`${message}\n`);
    expect(code).toBe(2);
  });

  it('--help documents every command and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['send', '--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: nestjs-stomp send DEST BODY \[options\]\n/);
    expect(stdout).toContain('--count N');
    expect(stdout).toContain('--passcode PASSCODE');
  });
});

describe('nestjs-stomp over TLS (scripted peer)', () => {
  let certs: TestCerts;
  let peer: FakePeer;

  beforeAll(async () => {
    certs = makeCerts();
    peer = await FakePeer.start({ key: certs.key, cert: certs.cert });
  });

  afterAll(async () => {
    await peer.stop();
    certs.cleanup();
  });

  it('ping --ca verifies the broker against that CA', async () => {
    const cli = new CliProcess(['ping', '--host', '127.0.0.1', '--port', String(peer.port), '--ca', join(certs.dir, 'ca.crt')]).input();
    const socket = await peer.nextConnection();
    await socket.accept({ version: '1.2', server: 'fake-tls/1.0', session: 's-1', 'heart-beat': '0,0' });
    const { code, stdout, stderr } = await cli.exited();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^server: +fake-tls\/1\.0$/m);
  });

  it('a certificate from another CA fails with one line, exit 1', async () => {
    const { code, stderr } = await runCli(['ping', '--host', '127.0.0.1', '--port', String(peer.port), '--ca', join(certs.dir, 'other-ca.crt')]);
    expect(code).toBe(1);
    expect(expectOneErrorLine(stderr)).toMatch(/certificate/i);
  });
});
