import { closeAll, remainingOn, session } from '../support/session';
import type { Frame } from '../../lib';
import { Inbox, uniqueName } from '../support/wait';
import { cleanUp, startBroker, targetOf } from '../testing/harness';
import { CliProcess, killAll } from './cli-process';

/** What needs a broker the test owns, or a broker-side view no real broker gives: the embedded one. */
afterEach(async () => {
  killAll();
  await closeAll();
  await cleanUp();
});

describe('nestjs-stomp on the embedded broker', () => {
  it('subscribe does not ack a message it could not print: the reader went away (EPIPE, `| head`), the message stays queued', async () => {
    const broker = await startBroker();
    const target = targetOf(broker);
    const dest = `/queue/${uniqueName('cli-epipe')}`;
    const s = await session(target, '1.2');
    const cli = new CliProcess(['subscribe', dest, '--ack', 'client-individual'], { STOMP_URL: broker.url });
    await cli.waitFor('stderr', /^subscribed to /m);
    await s.conn.send(dest, 'printed', { receipt: true });
    await cli.waitFor('stdout', /\n\nprinted\n/);

    // As `| head -n 1` does once it has its line: the read end of stdout closes.
    cli.child.stdout.destroy();
    await s.conn.send(dest, 'never printed', { receipt: true });
    const { code, signal, stderr } = await cli.exited();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).not.toContain('nestjs-stomp:');
    expect(await remainingOn(target, dest)).toEqual(['never printed']);
  });

  it('rpc --reply-to a shared queue takes its own reply only: other messages there stay queued', async () => {
    const broker = await startBroker();
    const target = targetOf(broker);
    const dest = `/queue/${uniqueName('cli-rpc')}`;
    const replies = `/queue/${uniqueName('cli-rpc-replies')}`;
    const responder = await session(target, '1.2');
    await responder.conn.send(replies, 'someone else’s reply', { receipt: true });
    responder.conn.setListener('responder', {
      onMessage: (frame) => {
        void responder.conn.send(frame.header('reply-to')!, 'yours', { headers: { 'correlation-id': frame.header('correlation-id')! } });
      },
    });
    await responder.conn.subscribe(dest, 'responder', 'auto', undefined, { receipt: true });

    const cli = new CliProcess(['rpc', dest, 'hello', '--reply-to', replies, '--timeout-ms', '5000'], { STOMP_URL: broker.url }).input();
    const { code, stdout, stderr } = await cli.exited();
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'yours\n', stderr: '' });
    expect(await remainingOn(target, replies)).toEqual(['someone else’s reply']);
  });

  it('rpc prints each answer of a stream as it comes and ends at the final one', async () => {
    const broker = await startBroker();
    const dest = `/queue/${uniqueName('cli-rpc-stream')}`;
    const responder = await session(targetOf(broker), '1.2');
    const requests = new Inbox<Frame>();
    responder.conn.setListener('responder', { onMessage: requests.push });
    await responder.conn.subscribe(dest, 'responder', 'auto', undefined, { receipt: true });

    // How --timeout-ms starts over with each answer: test/cli/deadline.spec.ts.
    const cli = new CliProcess(['rpc', dest, 'stream'], { STOMP_URL: broker.url }).input();
    const request = await requests.next();
    const answer = (body: string, status?: string): Promise<void> =>
      responder.conn.send(request.header('reply-to')!, body, { headers: { 'correlation-id': request.header('correlation-id')!, ...(status ? { 'reply-status': status } : {}) } });
    await answer('first', 'next');
    await cli.waitFor('stdout', /^first\n$/);
    await answer('second', 'next');
    await cli.waitFor('stdout', /^first\nsecond\n$/);
    await answer('last');
    expect(await cli.exited()).toMatchObject({ code: 0, stdout: 'first\nsecond\nlast\n', stderr: '' });
  });

  it('subscribe --count N takes N messages; of the rest, which stay queued, at most one was handed to it (redelivered)', async () => {
    const broker = await startBroker();
    const dest = `/queue/${uniqueName('cli-count')}`;
    const s = await session(targetOf(broker), '1.2');
    for (let i = 1; i <= 10; i++) await s.conn.send(dest, `m${i}`, { receipt: true });
    const { code, stdout } = await new CliProcess(['subscribe', dest, '--count', '5'], { STOMP_URL: broker.url }).input().exited();
    expect(code).toBe(0);
    expect(stdout.match(/^m\d+$/gm)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

    await s.conn.subscribe(dest, 'rest', 'auto', undefined, { receipt: true });
    const rest = await s.inbox('rest').take(5);
    expect(rest.map((frame) => frame.text())).toEqual(['m6', 'm7', 'm8', 'm9', 'm10']);
    // Acking each message as it was printed freed a prefetch slot each time, which the broker filled.
    expect(rest.filter((frame) => frame.header('redelivered') === 'true').length).toBeLessThanOrEqual(1);
  });
});
