import { randomBytes } from 'node:crypto';
import { BROKERS } from '../support/brokers';
import { closeAll, remainingOn, session } from '../support/session';
import { uniqueName } from '../support/wait';
import { CliProcess, killAll, runCli, urlOf } from './cli-process';

/** The CLI is checked against the real brokers a user points it at. */
const REAL_BROKERS = BROKERS.filter((broker) => broker.name === 'rabbitmq' || broker.name === 'activemq');
const SUMMARY = /^sent (\d+) messages? in \d+\.\d+ s \(\d+ msg\/s\)\n$/;

afterEach(async () => {
  killAll();
  await closeAll();
});

describe.each(REAL_BROKERS)('nestjs-stomp on $name', (broker) => {
  const env = { STOMP_URL: urlOf(broker) };
  const queue = (what: string): string => `/queue/${uniqueName(`cli-${what}`)}`;

  it('ping prints the negotiated version, server, session, heart-beats and the connect time', async () => {
    const { code, stdout, stderr } = await runCli(['ping', '--heartbeats', '4000,4000'], { env });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [host, port] = broker.options.hosts![0] as [string, number];
    expect(stdout).toContain(`broker:       ${host}:${port}\n`);
    expect(stdout).toContain('version:      1.2\n');
    expect(stdout).toMatch(new RegExp(`^server: +${broker.name === 'rabbitmq' ? 'RabbitMQ' : 'ActiveMQ'}/[\\d.]+$`, 'im'));
    expect(stdout).toMatch(/^session: +\S+$/m);
    expect(stdout).toMatch(/^heart-beats: +send every \d+ ms, receive every \d+ ms$/m);
    expect(stdout).toMatch(/^connected in: +\d+\.\d ms$/m);
  });

  it('send takes a stdin body and headers; subscribe prints it with its headers and the JSON pretty-printed', async () => {
    const dest = queue('roundtrip');
    const sent = await runCli(['send', dest, '-', '-H', 'x-trace:abc:1', '--content-type', 'application/json'], { env, input: '{"order":7,"lines":[1,2]}' });
    expect(sent.stderr).toBe('');
    expect(sent.stdout).toMatch(SUMMARY);
    expect(sent.code).toBe(0);

    const got = await runCli(['subscribe', dest, '--count', '1'], { env });
    expect(got.code).toBe(0);
    expect(got.stderr).toBe(`subscribed to ${dest} (ack client-individual, exiting after 1)\n`);
    expect(got.stdout).toMatch(/^MESSAGE\n/);
    expect(got.stdout).toContain(`\ndestination:${dest}\n`);
    expect(got.stdout).toContain('\nx-trace:abc:1\n');
    expect(got.stdout).toContain('\n\n{\n  "order": 7,\n  "lines": [\n    1,\n    2\n  ]\n}\n\n');
  });

  // ActiveMQ tells the two apart (a JMS TextMessage has no content-length); RabbitMQ adds one to every
  // MESSAGE, so there only the scripted peer (cli-scripted.spec.ts) shows the SEND frames.
  if (broker.name === 'activemq') it('send: a command-line body arrives as text (a JMS TextMessage), a stdin body as bytes', async () => {
    const dest = queue('text-or-bytes');
    expect(await runCli(['send', dest, '{"a":1}'], { env })).toMatchObject({ code: 0, stderr: '' });
    expect(await runCli(['send', dest, '-'], { env, input: '{"a":1}' })).toMatchObject({ code: 0, stderr: '' });
    const s = await session(broker, '1.2');
    await s.conn.subscribe(dest, 'check', 'auto');
    const frames = await s.inbox('check').take(2, 10_000, 'the sent messages');
    expect(frames.map((frame) => [frame.header('content-length'), frame.text()])).toEqual([[undefined, '{"a":1}'], ['7', '{"a":1}']]);
  });

  it('send --count N sends exactly N binary-safe stdin bodies and prints the summary line', async () => {
    const dest = queue('count');
    const body = Buffer.concat([Buffer.from([0, 10, 13, 0xff, 0x80, 0]), randomBytes(200)]);
    const sent = await runCli(['send', dest, '-', '--count', '25'], { env, input: body });
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(SUMMARY);
    expect(SUMMARY.exec(sent.stdout)![1]).toBe('25');
    expect(sent.stderr).toBe(''); // not a terminal, and done within the first second's progress line

    // Exactly 25 arrived: a marker sent after them is the 26th message.
    const s = await session(broker, '1.2');
    await s.conn.send(dest, 'marker', { receipt: true });
    await s.conn.subscribe(dest, 'check', 'auto');
    const frames = await s.inbox('check').take(26, 10_000, 'the sent messages');
    expect(frames.slice(0, 25).every((frame) => frame.body.equals(body))).toBe(true);
    expect(frames[25]!.text()).toBe('marker');
  });

  it('rpc sends reply-to and correlation-id and prints the reply; a reply-status:error reply exits 1', async () => {
    const dest = queue('rpc');
    const responder = await session(broker, '1.2');
    const seen: Array<Record<string, string>> = [];
    responder.conn.setListener('responder', {
      onMessage: (frame) => {
        seen.push({ ...frame.headers });
        const failed = frame.text() === 'fail';
        void responder.conn.send(frame.header('reply-to')!, JSON.stringify(failed ? { message: 'no price' } : { sku: 'A-1', price: 9.5 }), {
          contentType: 'application/json',
          headers: { 'correlation-id': frame.header('correlation-id')!, ...(failed ? { 'reply-status': 'error' } : {}) },
        });
      },
    });
    await responder.conn.subscribe(dest, 'responder', 'auto', undefined, { receipt: true });

    const ok = await runCli(['rpc', dest, '{"sku":"A-1"}', '-H', 'x-tenant:t1', '--content-type', 'application/json'], { env });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('{\n  "sku": "A-1",\n  "price": 9.5\n}\n');
    expect(seen[0]).toMatchObject({ 'x-tenant': 't1', 'content-type': 'application/json', 'correlation-id': expect.any(String), 'reply-to': expect.any(String) });

    // This time through a named reply queue, which the CLI subscribes to itself on every broker.
    const failed = await runCli(['rpc', dest, 'fail', '--timeout-ms', '5000', '--reply-to', queue('rpc-replies')], { env });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('{\n  "message": "no price"\n}\n');
    expect(failed.stderr).toBe(`nestjs-stomp: the responder on ${dest} answered with an error (reply-status: error)\n`);
    expect(seen[1]!['reply-to']).toMatch(/^\/queue\/nstest-cli-rpc-replies-/);
  });

  it('rpc prints every answer of a streamed reply (reply-status: next … final) in order; complete and error end the stream', async () => {
    const dest = queue('rpc-stream');
    const responder = await session(broker, '1.2');
    // As the Nest transport answers: each answer before the last with reply-status:next.
    const scripts: Record<string, Array<[string, string | undefined]>> = {
      three: [['0', 'next'], ['1', 'next'], ['2', undefined]],
      ended: [['"a"', 'next'], ['', 'complete']],
      failed: [['"x"', 'next'], ['{"message":"boom"}', 'error']],
    };
    responder.conn.setListener('responder', {
      onMessage: (frame) => {
        const correlation = { 'correlation-id': frame.header('correlation-id')! };
        for (const [body, status] of scripts[frame.text()]!) {
          void responder.conn.send(frame.header('reply-to')!, body, { headers: { ...correlation, ...(status ? { 'reply-status': status } : {}) } });
        }
      },
    });
    await responder.conn.subscribe(dest, 'responder', 'auto', undefined, { receipt: true });

    expect(await runCli(['rpc', dest, 'three'], { env })).toMatchObject({ code: 0, stdout: '0\n1\n2\n', stderr: '' });
    // The empty reply-status:complete is no answer: nothing printed for it.
    expect(await runCli(['rpc', dest, 'ended', '--reply-to', queue('rpc-stream-replies')], { env })).toMatchObject({ code: 0, stdout: '"a"\n', stderr: '' });
    expect(await runCli(['rpc', dest, 'failed'], { env })).toMatchObject({
      code: 1,
      stdout: '"x"\n{\n  "message": "boom"\n}\n',
      stderr: `nestjs-stomp: the responder on ${dest} answered with an error (reply-status: error)\n`,
    });
  });

  it('rpc exits 1 with one line when no reply comes in time', async () => {
    const dest = queue('rpc-nobody');
    const { code, stdout, stderr } = await runCli(['rpc', dest, 'hello?', '--timeout-ms', '300'], { env });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^nestjs-stomp: waiting for a reply from ${dest} \\(correlation-id [\\w-]+\\) timed out after 300 ms\\n$`));
  });

  it('subscribe stops on Ctrl-C: UNSUBSCRIBE, DISCONNECT, exit 0, and later messages stay queued', async () => {
    const dest = queue('sigint');
    const cli = new CliProcess(['subscribe', dest, '--verbose'], env);
    await cli.waitFor('stderr', /^subscribed to /m);
    const s = await session(broker, '1.2');
    await s.conn.send(dest, 'before Ctrl-C', { receipt: true });
    await cli.waitFor('stdout', /\n\nbefore Ctrl-C\n/);

    cli.interrupt();
    const { code, signal, stderr } = await cli.exited();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).not.toContain('nestjs-stomp:');
    expect(stderr).toMatch(/on_send UNSUBSCRIBE \{id:nestjs-stomp-cli, receipt:(rcpt-\d+)\}[^]*on_receipt RECEIPT \{receipt-id:\1\}[^]*on_send DISCONNECT \{receipt:(rcpt-\d+)\}[^]*on_receipt RECEIPT \{receipt-id:\2\}/);

    await s.conn.send(dest, 'after Ctrl-C', { receipt: true });
    await s.conn.subscribe(dest, 'check', 'auto');
    expect((await s.inbox('check').next(10_000, 'the message sent after Ctrl-C')).text()).toBe('after Ctrl-C');
  });

  it('subscribe | head on a busy queue (client acks): exits 0 when the reader goes, and what it did not print stays queued', async () => {
    const dest = queue('busy-head');
    const s = await session(broker, '1.2');
    const count = 3000;
    for (let i = 0; i < count; i++) await s.conn.send(dest, `m${i}`, { receipt: i === count - 1 });
    // No prefetch: the broker pushes the whole queue, so some of it is on its way when the UNSUBSCRIBE lands.
    const cli = new CliProcess(['subscribe', dest, '--ack', 'client-individual'], env);
    await cli.waitFor('stdout', /\n\nm2\n/);
    cli.child.stdout.destroy();
    const { code, signal, stderr } = await cli.exited();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).not.toContain('nestjs-stomp:');
    // Each message is acked once written: at least the three seen are gone, and far from all.
    const left = (await remainingOn(broker, dest)).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(count - 3);
  });

  it('bench sends through a fresh queue while consuming and prints both rates', async () => {
    const { code, stdout, stderr } = await runCli(['bench', '--count', '300', '--size', '64'], { env });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = stdout.split('\n');
    expect(out[0]).toMatch(/^bench: 300 messages of 64 bytes through \/queue\/nestjs-stomp-cli-bench-[\w-]+ \(\w+\/[\d.]+, STOMP 1\.2\)$/);
    expect(out[1]).toMatch(/^sent 300 messages in \d+\.\d+ s \(\d+ msg\/s\)$/);
    expect(out[2]).toMatch(/^received 300 messages in \d+\.\d+ s \(\d+ msg\/s\)$/);
  });
});
