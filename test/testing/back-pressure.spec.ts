import { connect, type Server, type Socket } from 'node:net';
import { FrameDecoder, type Frame } from '../../lib';
import type { EmbeddedBroker } from '../../lib/testing';
import { Inbox, within } from '../support/wait';
import { cleanUp, startBroker } from './harness';

afterEach(cleanUp);

/** The broker's side of the next connection: the embedded broker keeps its server private. */
function nextServerSocket(broker: EmbeddedBroker): Promise<Socket> {
  const server = (broker as unknown as { server: Server }).server;
  return new Promise((resolve) => server.prependOnceListener('connection', resolve));
}

describe('EmbeddedBroker: a client that does not read', () => {
  it('stops reading from a client that asks for receipts and never reads them, and reads on once it does', async () => {
    const broker = await startBroker({ maxWriteBufferBytes: 64 * 1024, limits: { maxHeaderBytes: 8 * 1024, maxBodyBytes: 64 * 1024 } });
    const accepted = nextServerSocket(broker);
    const client = connect({ host: '127.0.0.1', port: broker.port });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('connect', resolve));
    const serverSide = await accepted;
    const paused = new Promise((resolve) => serverSide.once('pause', resolve));

    // 32 MB of frames, each asking for a 4 KB receipt: far more than the socket buffers of loopback hold.
    const frames = 8192;
    const receipt = (i: number): string => `${i}-${'r'.repeat(4096)}`;
    client.write('CONNECT\naccept-version:1.2\nhost:/\n\n\0');
    for (let i = 0; i < frames; i++) client.write(`SEND\ndestination:/topic/nobody\nreceipt:${receipt(i)}\n\n\0`);
    await within(paused, 10_000, 'the broker to stop reading');

    const received = new Inbox<Frame>();
    const decoder = new FrameDecoder({ onFrame: received.push, onHeartbeat: () => undefined });
    client.on('data', (chunk: Buffer) => decoder.push(chunk));
    expect((await received.next(5000, 'CONNECTED')).command).toBe('CONNECTED');
    const receipts = await received.take(frames, 10_000, 'the receipts');
    expect(receipts.every((frame, i) => frame.command === 'RECEIPT' && frame.header('receipt-id') === receipt(i))).toBe(true);
    client.destroy();
  });
});
