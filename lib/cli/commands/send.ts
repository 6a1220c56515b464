import { hasOption, optionValue, optionValues } from '../args';
import type { Command } from '../command';
import { connectionOptions, isVerbose } from '../connection-flags';
import { ExitCode } from '../errors';
import { throughputLine } from '../format';
import { bodyArgument } from '../io';
import { Progress } from '../progress';
import { RECEIPT_EVERY, sendMany } from '../send-many';
import { withSession } from '../session';
import { extraHeaders, wholeNumber } from '../values';

/** Headers the command writes itself; `-H` may not give them again. */
const OWN_HEADERS: readonly string[] = ['destination', 'receipt'];

/** `nestjs-stomp send DEST BODY`: one message, or `--count` copies with progress and a rate. */
export const send: Command = {
  name: 'send',
  summary: 'send a message (BODY, or stdin with -), optionally N times',
  arguments: [
    { name: 'DEST', description: 'destination, e.g. /queue/orders or /topic/prices' },
    { name: 'BODY', description: 'message body, sent as text; - reads it from stdin, bytes as they are (with content-length)' },
  ],
  options: [
    { name: 'header', short: 'H', value: 'NAME:VALUE', repeatable: true, description: 'add a header (repeatable)' },
    { name: 'content-type', value: 'TYPE', description: 'the content-type header, e.g. application/json' },
    { name: 'count', short: 'n', value: 'N', description: 'send the message N times (default 1)' },
    { name: 'receipt', description: `ask a RECEIPT for every message (otherwise for every ${RECEIPT_EVERY}th and the last)` },
  ],
  details:
    'Exits once the broker confirmed the last message with a RECEIPT, so the count printed is true,\n' +
    'and prints one line on stdout: sent N messages in X s (R msg/s). With --count, progress (as\n' +
    'confirmed by the broker) goes to stderr: a bar on a terminal, a line per second otherwise.\n' +
    `Without --receipt, every ${RECEIPT_EVERY}th message carries a receipt, which paces the sending.\n` +
    'A BODY given on the command line goes as text, without content-length (ActiveMQ delivers it\n' +
    'to JMS as a TextMessage, the nestjs-stomp transport reads it as text or JSON); a body from\n' +
    'stdin goes as bytes, with content-length (a BytesMessage, a Buffer).',
  async run({ args, io }) {
    const [destination, bodyText] = args.positionals as [string, string];
    const count = wholeNumber('count', optionValue(args, 'count') ?? '1');
    const headers = extraHeaders(optionValues(args, 'header'), 'send', OWN_HEADERS);
    const contentType = optionValue(args, 'content-type');
    const options = connectionOptions(args, io.env);
    const body = await bodyArgument(bodyText, io);
    await withSession(options, io, isVerbose(args), async ({ conn }) => {
      const progress = count > 1 ? new Progress(io.stderr, count, 'sent') : undefined;
      const started = performance.now();
      try {
        await sendMany({ count, receiptEach: hasOption(args, 'receipt'), onConfirmed: (n) => progress?.update(n) }, (_, receipt) =>
          conn.send(destination, body, { contentType, headers, receipt }),
        );
      } finally {
        progress?.finish();
      }
      io.stdout.write(`${throughputLine('sent', count, (performance.now() - started) / 1000)}\n`);
    });
    return ExitCode.Ok;
  },
};
