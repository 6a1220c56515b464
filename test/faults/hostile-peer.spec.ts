import { StompFrameError, type Frame, type StompError } from '../../lib';
import { bytes, prng } from '../vectors/bytes';
import { ERROR_VECTORS } from '../vectors/errors';
import { FRAME_VECTORS } from '../vectors/frames';
import { mutate, pick } from '../vectors/mutate';
import { report } from '../support/figures';
import { connectedClient, useFakePeer, type PeerSocket } from '../support/fake-peer';
import { Inbox } from '../support/wait';

const SOCKET_FUZZ_CASES = 300;
const LIMITS = { maxHeaderBytes: 4096, maxHeaders: 64, maxBodyBytes: 1024 * 1024 };

/** Hostile input over a real socket: every bad frame ends in a typed protocol error and a reconnect. */
describe('a hostile peer', () => {
  const peer = useFakePeer();

  /** Connects, records what the client sees, and returns helpers to wait for it. */
  async function target(): Promise<{ socket: PeerSocket; errors: Inbox<StompError>; messages: Inbox<Frame>; reconnected: () => Promise<PeerSocket> }> {
    const [conn, socket] = await connectedClient(peer(), { ...LIMITS, reconnectSleepInitial: 0.001 });
    const errors = new Inbox<StompError>();
    const messages = new Inbox<Frame>();
    conn.setListener('watch', { onConnectionError: errors.push, onMessage: messages.push });
    return {
      socket,
      errors,
      messages,
      reconnected: async () => {
        const next = await peer().nextConnection();
        await next.accept();
        return next;
      },
    };
  }

  const named: Array<[string, Buffer, string]> = [
    ['an oversized header section', bytes('MESSAGE\n', 'x:'.padEnd(5000, 'y'), '\n\n\0'), 'STOMP_ERR_LIMIT_EXCEEDED'],
    ['a header bomb', bytes('MESSAGE\n', 'h:v\n'.repeat(100), '\n\0'), 'STOMP_ERR_LIMIT_EXCEEDED'],
    ['a negative content-length', bytes('MESSAGE\ncontent-length:-1\n\n\0'), 'STOMP_ERR_MALFORMED_FRAME'],
    ['a huge content-length', bytes('MESSAGE\ncontent-length:99999999999999\n\n\0'), 'STOMP_ERR_LIMIT_EXCEEDED'],
    ['a content-length too long to be a number', bytes('MESSAGE\ncontent-length:9999999999999999999999\n\n\0'), 'STOMP_ERR_MALFORMED_FRAME'],
    ['a content-length over maxBodyBytes', bytes(`MESSAGE\ncontent-length:${2 * 1024 * 1024}\n\n`), 'STOMP_ERR_LIMIT_EXCEEDED'],
    ['an invalid escape', bytes('MESSAGE\nsubscription:a\\tb\n\n\0'), 'STOMP_ERR_MALFORMED_FRAME'],
    ['a missing NUL after the body', bytes('MESSAGE\ncontent-length:2\n\nabXYZ'), 'STOMP_ERR_MALFORMED_FRAME'],
    ['non-UTF-8 header bytes', bytes('MESSAGE\nx:', [0xff, 0xfe], '\n\n\0'), 'STOMP_ERR_MALFORMED_FRAME'],
    ['a body without NUL beyond maxBodyBytes', bytes('MESSAGE\n\n', Buffer.alloc(1024 * 1024 + 10, 0x61)), 'STOMP_ERR_LIMIT_EXCEEDED'],
  ];

  it.each(named)('%s: a typed protocol error, a reconnect, memory bounded', async (_name, attack, code) => {
    const { socket, errors, reconnected } = await target();
    const rss = process.memoryUsage().rss;
    socket.write(attack);
    const error = await errors.next();
    expect(error).toBeInstanceOf(StompFrameError);
    expect(error.code).toBe(code);
    await socket.closed;
    await reconnected();
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('delivers a MESSAGE for an unknown subscription to listeners, and ignores a RECEIPT nobody waits for', async () => {
    // RabbitMQ delivers replies to /temp-queue/… under a subscription id the client never sent, so
    // an unknown subscription is not a protocol error; such messages are not tracked for acks.
    const { socket, errors, messages } = await target();
    socket.write('RECEIPT\nreceipt-id:nobody\n\n\0MESSAGE\nsubscription:/temp-queue/x\nmessage-id:1\n\nhi\0');
    const message = await messages.next();
    expect(message.header('subscription')).toBe('/temp-queue/x');
    expect(errors.pending).toEqual([]);
  });

  it(`survives ${SOCKET_FUZZ_CASES} seeded mutated streams over sockets: frames, or a typed error and a reconnect`, async () => {
    const random = prng(0x70c4e7);
    const corpus = [...FRAME_VECTORS.filter((v) => v.frames.every((frame) => ['MESSAGE', 'RECEIPT', 'ERROR'].includes(frame.command))).map((v) => v.bytes), ...ERROR_VECTORS.map((v) => v.bytes)];
    // Each bad stream ends a session at once, and such sessions in a row back off: capped low here.
    const [conn, first] = await connectedClient(peer(), { ...LIMITS, reconnectSleepInitial: 0.001, reconnectSleepMax: 0.01 });
    type Event = { error: StompError } | { receipt: string };
    const events = new Inbox<Event>();
    conn.setListener('watch', { onConnectionError: (error) => events.push({ error }), onReceipt: (frame) => events.push({ receipt: frame.header('receipt-id') ?? '' }) });
    let socket = first;
    const tally = { protocolErrors: 0, clean: 0, cutWhileIncomplete: 0 };
    for (let n = 0; n < SOCKET_FUZZ_CASES; n++) {
      const stream = mutate(Buffer.concat([pick(random, corpus), pick(random, corpus)]), random);
      // A sentinel after the stream: it reaches the client only if the stream left the decoder in sync.
      socket.write(Buffer.concat([stream, Buffer.from(`\nRECEIPT\nreceipt-id:sentinel-${n}\n\n\0`)]));
      let outcome: Event | 'incomplete';
      // Other receipts in the stream, and the socket error of a connection we cut, are not the outcome.
      const settles = (e: Event | 'incomplete'): boolean =>
        e === 'incomplete' || ('receipt' in e ? e.receipt === `sentinel-${n}` : e.error instanceof StompFrameError);
      do outcome = await events.next(500).catch(() => 'incomplete' as const);
      while (!settles(outcome));
      if (outcome !== 'incomplete' && 'receipt' in outcome) {
        tally.clean += 1;
        continue;
      }
      if (outcome === 'incomplete') {
        // The stream ended inside a frame (a long content-length): a broker would go on; we hang up.
        tally.cutWhileIncomplete += 1;
        socket.cut();
      } else {
        expect(outcome.error).toBeInstanceOf(StompFrameError);
        tally.protocolErrors += 1;
      }
      await socket.closed;
      socket = await peer().nextConnection();
      await socket.accept();
    }
    expect(tally.protocolErrors).toBeGreaterThan(SOCKET_FUZZ_CASES / 10);
    // Still a working connection after all that.
    socket.write('RECEIPT\nreceipt-id:final\n\n\0');
    let last: Event;
    do last = await events.next(5000, 'the final receipt');
    while (!('receipt' in last && last.receipt === 'final'));
    expect(conn.isConnected()).toBe(true);
    report('socket fuzz', { streams: SOCKET_FUZZ_CASES, protocol_error_then_reconnect: tally.protocolErrors, decoded_in_sync: tally.clean, cut_inside_a_frame: tally.cutWhileIncomplete });
  });
});
