import type { Frame } from '../../lib';
import { FakePeer } from '../support/fake-peer';
import { CliProcess, killAll } from './cli-process';

// Each test talks to a scripted peer of its own.
let peer: FakePeer;
beforeEach(async () => {
  peer = await FakePeer.start();
});
afterEach(async () => {
  killAll();
  await peer.stop();
});

/** What a broker does only in a race, played by a scripted peer so that it happens every time. */
describe('nestjs-stomp subscribe against a scripted peer', () => {
  it.each([
    ['client-individual', 'leaves it unprinted and unacknowledged (no ACK after UNSUBSCRIBE: brokers refuse it)', ''],
    ['auto', 'still prints it (the broker counts it delivered)', 'late'],
  ])('on Ctrl-C, with --ack %s, a message the broker sent before it read the UNSUBSCRIBE: %s', async (ack, _, printed) => {
    const cli = new CliProcess(['subscribe', '/queue/busy', '--ack', ack, '--host', '127.0.0.1', '--port', String(peer.port)]);
    const socket = await peer.nextConnection();
    await socket.accept();
    const subscribe = await socket.next('SUBSCRIBE');
    socket.write(`RECEIPT\nreceipt-id:${subscribe.header('receipt')}\n\n\0`);
    await cli.waitFor('stderr', /^subscribed to /m);

    cli.interrupt();
    const unsubscribe = await socket.next('UNSUBSCRIBE');
    // Delivered before the broker got to the UNSUBSCRIBE: a broker refuses its ACK from now on.
    socket.write(`MESSAGE\nsubscription:nestjs-stomp-cli\nmessage-id:m-1\nack:a-1\ndestination:/queue/busy\n\nlate\0`);
    socket.write(`RECEIPT\nreceipt-id:${unsubscribe.header('receipt')}\n\n\0`);
    expect((await socket.next()).command).toBe('DISCONNECT');
    const { code, stdout, stderr } = await cli.exited();
    expect({ code, stderr }).toEqual({ code: 0, stderr: `subscribed to /queue/busy (ack ${ack})\n` });
    expect(stdout.split('\n\n')[1] ?? '').toBe(printed);
  });
});

/** What the CLI writes on the wire, read by a scripted peer: the SEND frame as it left. */
describe('nestjs-stomp bodies on the wire (scripted peer)', () => {
  /** Answers the receipt of each of `count` SENDs and returns them; the CLI then disconnects. */
  async function sends(cli: CliProcess, count: number): Promise<Frame[]> {
    const socket = await peer.nextConnection();
    await socket.accept();
    const frames: Frame[] = [];
    for (let i = 0; i < count; i++) {
      const frame = await socket.next('SEND');
      frames.push(frame);
      const receipt = frame.header('receipt');
      if (receipt !== undefined) socket.write(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
    }
    expect(await cli.exited()).toMatchObject({ code: 0, stderr: '' });
    return frames;
  }

  // With content-length, ActiveMQ hands a JMS consumer a BytesMessage and the Nest transport a Buffer.
  it('send writes a command-line body as text, without content-length, every one of --count', async () => {
    const cli = new CliProcess(['send', '/queue/orders', '{"a":1}', '--count', '3', '--host', '127.0.0.1', '--port', String(peer.port)]).input();
    const frames = await sends(cli, 3);
    expect(frames.map((frame) => [frame.header('content-length'), frame.text()])).toEqual(Array(3).fill([undefined, '{"a":1}']));
  });

  it('send writes a stdin body (-) as bytes, with content-length', async () => {
    const cli = new CliProcess(['send', '/queue/photos', '-', '--host', '127.0.0.1', '--port', String(peer.port)]).input(Buffer.from('{"a":1}'));
    const [frame] = await sends(cli, 1);
    expect([frame!.header('content-length'), frame!.text()]).toEqual(['7', '{"a":1}']);
  });

  it('rpc writes a command-line body as text, without content-length', async () => {
    const cli = new CliProcess(['rpc', '/queue/prices', '{"sku":"A-1"}', '--reply-to', '/queue/replies', '--host', '127.0.0.1', '--port', String(peer.port)]).input();
    const socket = await peer.nextConnection();
    await socket.accept();
    const subscribe = await socket.next('SUBSCRIBE');
    socket.write(`RECEIPT\nreceipt-id:${subscribe.header('receipt')}\n\n\0`);
    const request = await socket.next('SEND');
    expect([request.header('content-length'), request.text()]).toEqual([undefined, '{"sku":"A-1"}']);
    socket.write(`RECEIPT\nreceipt-id:${request.header('receipt')}\n\n\0`);
    socket.write(`MESSAGE\nsubscription:${subscribe.header('id')}\nmessage-id:m-1\nack:a-1\ndestination:/queue/replies\ncorrelation-id:${request.header('correlation-id')}\n\n9.5\0`);
    expect(await cli.exited()).toMatchObject({ code: 0, stdout: '9.5\n', stderr: '' });
  });
});
