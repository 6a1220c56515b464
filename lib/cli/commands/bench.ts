import { constants } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { DEFAULT_CONNECTION_OPTIONS, brokerProduct, type HeaderEntry } from '../../engine';
import { optionValue } from '../args';
import type { Command } from '../command';
import { connectionOptions, isVerbose } from '../connection-flags';
import { withDeadline } from '../deadline';
import { ExitCode } from '../errors';
import { throughputLine } from '../format';
import type { CliIo } from '../io';
import { Progress } from '../progress';
import { RECEIPT_EVERY, sendMany } from '../send-many';
import { withSession, type CliSession } from '../session';
import { wholeNumber } from '../values';

/** Marks this run's messages, so a shared destination's other traffic is not counted. */
const RUN_HEADER = 'nestjs-stomp-bench';

interface Plan {
  readonly destination: string;
  readonly ownQueue: boolean;
  readonly count: number;
  readonly size: number;
  readonly receiveTimeoutMs: number;
}

/** `nestjs-stomp bench`: send N messages while consuming them on a second connection. */
export const bench: Command = {
  name: 'bench',
  summary: 'measure send and receive throughput through a queue',
  arguments: [{ name: 'DEST', description: 'destination to use (default: a new /queue/nestjs-stomp-cli-bench-<uuid>)', optional: true }],
  options: [
    { name: 'count', short: 'n', value: 'N', description: 'messages to send (default 1000)' },
    { name: 'size', value: 'BYTES', description: 'body size (default 100)' },
  ],
  details:
    `Subscribes on one connection, sends on another (pipelined, a receipt every ${RECEIPT_EVERY} messages\n` +
    'and on the last) and prints two lines: messages per second sent (until the last receipt) and\n' +
    'received (until the last message arrived), both timed from the first send. A DEST you name is\n' +
    'consumed from: do not point it at a queue whose messages matter. The default queue is deleted\n' +
    'by RabbitMQ when the bench ends.',
  async run({ args, io }) {
    const destination = args.positionals[0];
    const options = connectionOptions(args, io.env);
    const plan: Plan = {
      destination: destination ?? `/queue/nestjs-stomp-cli-bench-${randomUUID()}`,
      ownQueue: destination === undefined,
      count: wholeNumber('count', optionValue(args, 'count') ?? '1000'),
      size: wholeNumber('size', optionValue(args, 'size') ?? '100', 0, constants.MAX_LENGTH),
      receiveTimeoutMs: (options.receiptTimeout ?? DEFAULT_CONNECTION_OPTIONS.receiptTimeout) * 1000,
    };
    const verbose = isVerbose(args);
    await withSession(options, io, verbose, (consumer) => withSession(options, io, verbose, (producer) => measure(consumer, producer, plan, io)));
    return ExitCode.Ok;
  },
};

async function measure(consumer: CliSession, producer: CliSession, plan: Plan, io: CliIo): Promise<void> {
  const runId = randomUUID();
  let received = 0;
  const allReceived = new Promise<void>((resolve) => {
    consumer.conn.setListener('bench', {
      onMessage(frame) {
        if (frame.header(RUN_HEADER) === runId && ++received === plan.count) resolve();
      },
    });
  });
  // RabbitMQ keeps a /queue/ forever unless auto-delete, and accepts a SEND to an auto-delete queue only with the same header.
  const queueHeaders: HeaderEntry[] = plan.ownQueue && brokerProduct(consumer.conn.connected) === 'rabbitmq' ? [['auto-delete', 'true']] : [];
  await consumer.conn.subscribe(plan.destination, 'nestjs-stomp-cli-bench', 'auto', queueHeaders, { receipt: true });
  const server = consumer.conn.connected?.header('server') ?? 'broker';
  io.stdout.write(`bench: ${plan.count} messages of ${plan.size} bytes through ${plan.destination} (${server}, STOMP ${consumer.conn.version})\n`);

  const body = Buffer.alloc(plan.size, 'x');
  const headers: HeaderEntry[] = [...queueHeaders, [RUN_HEADER, runId]];
  const progress = new Progress(io.stderr, plan.count, 'sent');
  const started = performance.now();
  try {
    await sendMany({ count: plan.count, receiptEach: false, onConfirmed: (n) => progress.update(n) }, (_, receipt) =>
      producer.conn.send(plan.destination, body, { headers, receipt }),
    );
  } finally {
    progress.finish();
  }
  const sentSeconds = (performance.now() - started) / 1000;
  io.stdout.write(`${throughputLine('sent', plan.count, sentSeconds)}\n`);
  await withDeadline(allReceived, plan.receiveTimeoutMs, () => `receiving the messages (${received} of ${plan.count} arrived)`);
  io.stdout.write(`${throughputLine('received', plan.count, (performance.now() - started) / 1000)}\n`);
}
