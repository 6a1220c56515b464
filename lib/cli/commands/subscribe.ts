import type { AckMode, Frame, HeaderEntry } from '../../engine';
import { optionValue, optionValues } from '../args';
import type { Command } from '../command';
import { connectionOptions, isVerbose } from '../connection-flags';
import { ExitCode } from '../errors';
import { formatFrame } from '../format';
import type { CliIo } from '../io';
import { withSession, type CliSession } from '../session';
import { ackMode, extraHeaders, wholeNumber } from '../values';

/** Headers the command writes itself; `-H` may not give them again. */
const OWN_HEADERS: readonly string[] = ['destination', 'id', 'ack', 'receipt'];

const SUBSCRIPTION_ID = 'nestjs-stomp-cli';

interface Plan {
  readonly destination: string;
  readonly ack: AckMode;
  readonly count: number | undefined;
  readonly headers: readonly HeaderEntry[];
}

/** `nestjs-stomp subscribe DEST`: print messages until N arrived or Ctrl-C. */
export const subscribe: Command = {
  name: 'subscribe',
  summary: 'print the messages of a destination until N arrived or Ctrl-C',
  arguments: [{ name: 'DEST', description: 'destination, e.g. /queue/orders or /topic/prices.*' }],
  options: [
    { name: 'ack', value: 'MODE', description: 'auto, client or client-individual (default auto; client-individual with --count)' },
    { name: 'count', short: 'n', value: 'N', description: 'exit after N messages' },
    { name: 'header', short: 'H', value: 'NAME:VALUE', repeatable: true, description: 'add a SUBSCRIBE header, e.g. selector:kind = \'x\' (repeatable)' },
  ],
  details:
    'Prints each MESSAGE as command, headers, a blank line and the body: JSON pretty-printed,\n' +
    'binary bodies as their length and first bytes in hex. In client modes each message is acked\n' +
    'once printed. With --count the default ack mode is client-individual with a broker prefetch of\n' +
    'N, and the N messages are acked together just before the UNSUBSCRIBE, so messages beyond the\n' +
    'N-th stay on the queue (a broker may hand over a few in between: they go back, redelivered);\n' +
    'with --ack auto the broker may already have handed over (and dropped) more. Ctrl-C\n' +
    'unsubscribes, disconnects and exits 0.',
  async run({ args, io }) {
    const count = optionValue(args, 'count');
    const ack = optionValue(args, 'ack');
    const plan: Plan = {
      destination: args.positionals[0]!,
      count: count === undefined ? undefined : wholeNumber('count', count),
      ack: ack !== undefined ? ackMode(ack) : count === undefined ? 'auto' : 'client-individual',
      headers: extraHeaders(optionValues(args, 'header'), 'subscribe', OWN_HEADERS),
    };
    const options = connectionOptions(args, io.env);
    await withSession(options, io, isVerbose(args), (session) => consume(session, plan, io));
    return ExitCode.Ok;
  },
};

/** Subscribes, prints until done or interrupted, then unsubscribes (confirmed by a receipt). */
async function consume(session: CliSession, plan: Plan, io: CliIo): Promise<void> {
  const { conn } = session;
  let received = 0;
  let stopping = false;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (): void => {
    stopping = true;
    stopped();
  };
  // The last message's print and ack: the ACK must leave before the UNSUBSCRIBE, after which brokers refuse it.
  let printed = Promise.resolve();
  // With --count the prefetch is N: each ACK would free a slot that the broker fills with a message past
  // the N-th (back to the queue at UNSUBSCRIBE, redelivered). So the ACKs wait, and leave just before it.
  const held: Frame[] | undefined = plan.count !== undefined && plan.ack !== 'auto' ? [] : undefined;
  conn.setListener('subscribe', {
    onMessage(frame: Frame) {
      // Past the count, a message stays unacknowledged and goes back to the broker with UNSUBSCRIBE; so,
      // in client modes, does one after Ctrl-C or a failed write (in auto mode it is the broker's no more: shown).
      if (frame.header('subscription') !== SUBSCRIPTION_ID || received === plan.count || (stopping && plan.ack !== 'auto')) return;
      received += 1;
      if (received === plan.count) stop();
      printed = new Promise((resolve) => {
        io.stdout.write(`${formatFrame(frame)}\n\n`, (error) => {
          // Acked only once printed: a message the reader never got (it went away, EPIPE) stays with the broker.
          if (error) stop();
          else if (held !== undefined) held.push(frame);
          else if (plan.ack !== 'auto') session.track(conn.ack(frame));
          resolve();
        });
      });
    },
  });
  // The first Ctrl-C stops cleanly; a second one gets Node's default (exit at once) in case the broker hangs.
  const restore = io.onInterrupt(() => {
    restore();
    stop();
  });
  try {
    await conn.subscribe(plan.destination, SUBSCRIPTION_ID, plan.ack, subscribeHeaders(plan), { receipt: true });
    io.stderr.write(`subscribed to ${plan.destination} (ack ${plan.ack}${plan.count === undefined ? '' : `, exiting after ${plan.count}`})\n`);
    await done;
    await printed;
    for (const frame of held ?? []) session.track(conn.ack(frame));
    await conn.unsubscribe(SUBSCRIPTION_ID, { receipt: true });
  } finally {
    restore();
  }
}

/**
 * The user's headers, after a prefetch of N for a counted client-ack subscription (RabbitMQ's
 * `prefetch-count`, ActiveMQ's `activemq.prefetchSize`; each broker ignores the other's) unless the
 * user set one.
 */
function subscribeHeaders(plan: Plan): HeaderEntry[] {
  const prefetch: HeaderEntry[] =
    plan.count === undefined || plan.ack === 'auto' ? [] : [['prefetch-count', String(plan.count)], ['activemq.prefetchSize', String(plan.count)]];
  const own = new Set(plan.headers.map(([name]) => name));
  return [...prefetch.filter(([name]) => !own.has(name)), ...plan.headers];
}
