import { FakePeer } from '../support/fake-peer';
import { CliProcess, killAll } from './cli-process';

/** What a broker does only in a race, played by a scripted peer so that it happens every time. */
describe('nestjs-stomp subscribe against a scripted peer', () => {
  let peer: FakePeer;
  beforeEach(async () => {
    peer = await FakePeer.start();
  });
  afterEach(async () => {
    killAll();
    await peer.stop();
  });

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
