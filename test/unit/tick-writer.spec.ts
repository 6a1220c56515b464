import type { Socket } from 'node:net';
import { TickWriter } from '../../lib/engine/tick-writer';

/** Records what a socket is asked to do, writes reaching "the wire" only when not corked. */
function recordingSocket(): { socket: Socket; wire: string[][]; calls: string[]; press: (pressed: boolean) => void } {
  const wire: string[][] = [];
  let flowing = true;
  const calls: string[] = [];
  let corks = 0;
  let held: string[] = [];
  const flush = (): void => {
    if (held.length > 0) wire.push(held);
    held = [];
  };
  const socket = {
    cork: () => {
      corks += 1;
      calls.push('cork');
    },
    uncork: () => {
      corks -= 1;
      calls.push('uncork');
      if (corks === 0) flush();
    },
    write: (chunk: Buffer) => {
      held.push(chunk.toString());
      if (corks === 0) flush();
      return flowing;
    },
  } as unknown as Socket;
  return { socket, wire, calls, press: (pressed) => (flowing = !pressed) };
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('TickWriter', () => {
  it('writes the first frame of a tick at once, so a lone request is not held behind later work', () => {
    const { socket, wire } = recordingSocket();
    new TickWriter().write(socket, [Buffer.from('A')]);
    expect(wire).toEqual([['A']]);
  });

  it('corks the later frames of the same tick and lets them leave together, in order, at its end', async () => {
    const { socket, wire } = recordingSocket();
    const writer = new TickWriter();
    for (const frame of ['A', 'B', 'C', 'D']) writer.write(socket, [Buffer.from(frame)]);
    expect(wire).toEqual([['A']]);
    await nextTick();
    expect(wire).toEqual([['A'], ['B', 'C', 'D']]);
    writer.write(socket, [Buffer.from('E')]);
    expect(wire).toEqual([['A'], ['B', 'C', 'D'], ['E']]);
  });

  it('writes a frame made of several buffers (a large body) in one go', () => {
    const { socket, wire, calls } = recordingSocket();
    new TickWriter().write(socket, [Buffer.from('head'), Buffer.from('body'), Buffer.from('\0')]);
    expect(wire).toEqual([['head', 'body', '\0']]);
    expect(calls).toEqual(['cork', 'uncork']);
  });

  it('after back-pressure corks the first frame of the next tick too: the sender is streaming', async () => {
    const { socket, wire, press } = recordingSocket();
    const writer = new TickWriter();
    press(true);
    expect(writer.write(socket, [Buffer.from('A')])).toBe(false);
    await nextTick();
    press(false);
    for (const frame of ['B', 'C']) writer.write(socket, [Buffer.from(frame)]);
    expect(wire).toEqual([['A']]);
    await nextTick();
    expect(wire).toEqual([['A'], ['B', 'C']]);
    // the pressure is over: a lone frame leaves at once again
    await nextTick();
    writer.write(socket, [Buffer.from('D')]);
    expect(wire).toEqual([['A'], ['B', 'C'], ['D']]);
  });

  it('lets the frames written while a read is dispatched leave together (the ACKs of its messages)', async () => {
    const { socket, wire } = recordingSocket();
    const writer = new TickWriter();
    writer.batch(socket, () => {
      for (const frame of ['ACK 1', 'ACK 2', 'ACK 3']) writer.write(socket, [Buffer.from(frame)]);
      expect(wire).toEqual([]);
    });
    await nextTick();
    expect(wire).toEqual([['ACK 1', 'ACK 2', 'ACK 3']]);
  });

  it('uncorks after a dispatch that throws', () => {
    const { socket, wire, calls } = recordingSocket();
    const writer = new TickWriter();
    expect(() =>
      writer.batch(socket, () => {
        throw new Error('bad frame');
      }),
    ).toThrow('bad frame');
    expect(calls).toEqual(['cork', 'uncork']);
    writer.write(socket, [Buffer.from('A')]);
    expect(wire).toEqual([['A']]);
  });

  it('remembers when it last wrote, for heart-beats', () => {
    const { socket } = recordingSocket();
    const writer = new TickWriter();
    const before = performance.now();
    writer.write(socket, [Buffer.from('A')]);
    expect(writer.lastWriteAt).toBeGreaterThanOrEqual(before);
  });

  it('reads the clock once a tick, at its first write: the frames corked after it do not move it', async () => {
    const { socket } = recordingSocket();
    let now = 1000;
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const writer = new TickWriter();
      writer.write(socket, [Buffer.from('A')]);
      now = 2000;
      writer.write(socket, [Buffer.from('B')]);
      expect(writer.lastWriteAt).toBe(1000);
      await nextTick();
      writer.write(socket, [Buffer.from('C')]);
      expect(writer.lastWriteAt).toBe(2000);
    } finally {
      clock.mockRestore();
    }
  });
});
