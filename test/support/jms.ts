import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnLines, untilReady, type LineChild } from './line-child';
import { within } from './wait';

/**
 * The Java side of the JMS interop tests: test/support/jms/JmsPeer.java, a JMS program on ActiveMQ's
 * OpenWire port, compiled once per test file against the jars Debian's `activemq` package installs
 * (scripts/brokers.sh installs a JDK for `javac` too).
 */
const JARS = ['geronimo-jms_1.1_spec', 'activemq-client', 'hawtbuf', 'slf4j-api', 'slf4j-nop', 'geronimo-j2ee-management-1.1-spec'].map((jar) => `/usr/share/java/${jar}.jar`);
const SOURCE = join(__dirname, 'jms', 'JmsPeer.java');

/** A message as the JMS program saw it: its JMS type, body, correlation id, reply-to and properties. */
export interface JmsMessage {
  type: 'text' | 'bytes';
  body: Buffer;
  correlationId: string | null;
  /** `queue://name` or `temp-queue://…`, as ActiveMQ's Destination prints itself. */
  replyTo: string | null;
  properties: Record<string, string>;
}

/** What a JMS message is sent as. */
export interface JmsSend {
  type: 'text' | 'bytes';
  body: Buffer;
  properties?: Record<string, string>;
  correlationId?: string;
  /** A queue name, for JMSReplyTo. */
  replyTo?: string;
}

let compiled: Promise<string> | undefined;

/** Compiles the JMS program (once); rejects with what is missing when it cannot. */
export function compileJmsPeer(): Promise<string> {
  compiled ??= (async () => {
    const missing = JARS.filter((jar) => !existsSync(jar));
    if (missing.length > 0) throw new Error(`JMS interop needs ${missing.join(', ')} (Debian's activemq package; run scripts/brokers.sh)`);
    const out = mkdtempSync(join(tmpdir(), 'jms-peer-'));
    await promisify(execFile)('javac', ['-cp', JARS.join(':'), '-d', out, SOURCE], { timeout: 120_000 }).catch((error: Error) => {
      throw new Error(`javac could not build ${SOURCE} (scripts/brokers.sh installs a JDK): ${error.message}`);
    });
    return out;
  })();
  return compiled;
}

async function run(args: string[]): Promise<LineChild> {
  const classes = await compileJmsPeer();
  return spawnLines('java', ['-cp', [classes, ...JARS].join(':'), 'JmsPeer', ...args]);
}

function sendArgs(message: JmsSend): string[] {
  const args = [message.type, message.body.toString('base64')];
  for (const [name, value] of Object.entries(message.properties ?? {})) args.push('--prop', `${name}=${value}`);
  if (message.correlationId !== undefined) args.push('--correlation-id', message.correlationId);
  if (message.replyTo !== undefined) args.push('--reply-to', message.replyTo);
  return args;
}

function parse(line: string): JmsMessage {
  const { type, text, base64, ...rest } = JSON.parse(line) as Omit<JmsMessage, 'body'> & { text?: string; base64?: string };
  return { type, body: type === 'text' ? Buffer.from(text!, 'utf8') : Buffer.from(base64!, 'base64'), ...rest };
}

async function finished(proc: LineChild, what: string): Promise<void> {
  const code = await within(proc.exited, 30_000, what);
  if (code !== 0) throw new Error(`${what} exited ${code === 3 ? '3 (timed out)' : code}: ${proc.stderr()}`);
}

/** A JMS producer sends one message to `queue` (a JMS queue name, no `/queue/` prefix). */
export async function jmsSend(queue: string, message: JmsSend): Promise<void> {
  await finished(await run(['send', queue, ...sendArgs(message)]), 'JMS send');
}

/** A JMS consumer of `queue`; resolves once it consumes. */
export async function jmsReceiver(queue: string, count: number): Promise<{ messages(): Promise<JmsMessage[]>; kill(): void }> {
  const proc = await run(['receive', queue, String(count), '20000']);
  await untilReady(proc, 'JMS consumer');
  return {
    async messages() {
      const lines = await proc.lines.take(count, 30_000, 'messages at the JMS consumer');
      await finished(proc, 'JMS consumer');
      return lines.map(parse);
    },
    kill: () => proc.child.kill(),
  };
}

/**
 * A JMS requester: sends `message` with JMSReplyTo a temporary queue and a JMSCorrelationID (its own
 * unless given), and returns the reply carrying that correlation id.
 */
export async function jmsRequest(queue: string, message: JmsSend): Promise<JmsMessage> {
  const proc = await run(['request', queue, message.type, message.body.toString('base64'), '20000', ...sendArgs(message).slice(2)]);
  const line = await proc.lines.next(30_000, 'the reply at the JMS requester').catch((error: Error) => {
    proc.child.kill();
    throw new Error(`${error.message}: ${proc.stderr()}`);
  });
  await finished(proc, 'JMS requester');
  return parse(line);
}
