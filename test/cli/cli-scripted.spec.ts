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

  it('on Ctrl-C, leaves a message the broker sent before it read the UNSUBSCRIBE unacknowledged: no ACK after UNSUBSCRIBE', async () => {
    const cli = new CliProcess(['subscribe', '/queue/busy', '--ack', 'client-individual', '--host', '127.0.0.1', '--port', String(peer.port)]);
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
    expect({ code, stderr }).toEqual({ code: 0, stderr: 'subscribed to /queue/busy (ack client-individual)\n' });
    expect(stdout).toBe('');
  });
});
