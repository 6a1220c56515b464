import type { Socket } from 'node:net';
import { TickWriter } from '../../lib/engine/tick-writer';

/** Records what a socket is asked to do, writes reaching "the wire" only when not corked. */
function recordingSocket(): { socket: Socket; wire: string[][]; calls: string[] } {
  const wire: string[][] = [];
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
      return true;
    },
  } as unknown as Socket;
  return { socket, wire, calls };
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

  it('remembers when it last wrote, for heart-beats', () => {
    const { socket } = recordingSocket();
    const writer = new TickWriter();
    const before = performance.now();
    writer.write(socket, [Buffer.from('A')]);
    expect(writer.lastWriteAt).toBeGreaterThanOrEqual(before);
  });
});
