import { join } from 'node:path';
import type { BrokerTarget } from './brokers';
import { spawnLines, untilReady, type LineChild } from './line-child';
import { within } from './wait';

/** Debian's python3-stomp lives in the system Python, not in whatever python3 is first on PATH. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'stomp_py_peer.py');

/** A message as stomp.py saw it. */
export interface PyMessage {
  headers: Record<string, string>;
  body: Buffer;
}

function endpoint(broker: BrokerTarget): [string, string] {
  const [host, port] = broker.options.hosts![0] as [string, number];
  return [host, String(port)];
}

function run(args: string[]): LineChild {
  return spawnLines(PYTHON, [SCRIPT, ...args]);
}

/** stomp.py sends one message and waits for its receipt. */
export async function pySend(broker: BrokerTarget, version: string, destination: string, body: Buffer, headers: Record<string, string>): Promise<void> {
  const proc = run(['send', ...endpoint(broker), version, destination]);
  proc.child.stdin.end(JSON.stringify({ body_b64: body.toString('base64'), headers, login: broker.options.login, passcode: broker.options.passcode }));
  const code = await within(proc.exited, 30_000, 'stomp.py send');
  if (code !== 0) throw new Error(`stomp.py send exited ${code}: ${proc.stderr()}`);
}

/** A stomp.py subscriber; resolves once its subscription is confirmed. */
export async function pyReceiver(broker: BrokerTarget, version: string, destination: string, count: number): Promise<{ messages(): Promise<PyMessage[]>; kill(): void }> {
  const proc = run(['receive', ...endpoint(broker), version, destination, String(count), broker.options.login!, broker.options.passcode!]);
  await untilReady(proc, 'stomp.py');
  return {
    async messages() {
      const lines = await proc.lines.take(count, 30_000, 'messages at stomp.py');
      await within(proc.exited, 30_000, 'stomp.py exit');
      return lines.map((line) => {
        const parsed = JSON.parse(line) as { headers: Record<string, string>; body_b64: string };
        return { headers: parsed.headers, body: Buffer.from(parsed.body_b64, 'base64') };
      });
    },
    kill: () => proc.child.kill(),
  };
}

/** stomp.py sends a request with reply-to and correlation-id and returns the one reply it got. */
export async function pyRequest(broker: BrokerTarget, version: string, destination: string, body: Buffer, headers: Record<string, string>, replyQueue: string): Promise<PyMessage> {
  const proc = run(['request', ...endpoint(broker), version, destination, replyQueue]);
  proc.child.stdin.end(JSON.stringify({ body_b64: body.toString('base64'), headers, login: broker.options.login, passcode: broker.options.passcode }));
  const line = await proc.lines.next(30_000, 'the reply at stomp.py').catch((error: Error) => {
    proc.child.kill();
    throw new Error(`${error.message}: ${proc.stderr()}`);
  });
  await within(proc.exited, 30_000, 'stomp.py exit');
  if (line === 'TIMEOUT') throw new Error(`stomp.py got no reply: ${proc.stderr()}`);
  const parsed = JSON.parse(line) as { headers: Record<string, string>; body_b64: string };
  return { headers: parsed.headers, body: Buffer.from(parsed.body_b64, 'base64') };
}
