import { randomUUID } from 'node:crypto';
import { brokerProduct, MAX_TIMER_MS, type Frame, type HeaderEntry } from '../../engine';
import { optionValue, optionValues } from '../args';
import type { Command } from '../command';
import { connectionOptions, isVerbose } from '../connection-flags';
import { withDeadline } from '../deadline';
import { ExitCode } from '../errors';
import { errorLine, formatBody } from '../format';
import { bodyArgument } from '../io';
import { withSession, type CliSession } from '../session';
import { extraHeaders, wholeNumber } from '../values';

/** Headers the command writes itself; `-H` may not give them again. */
const OWN_HEADERS: readonly string[] = ['destination', 'receipt'];

const DEFAULT_TIMEOUT_MS = 10_000;
const REPLY_SUBSCRIPTION_ID = 'nestjs-stomp-cli-reply';

interface Request {
  readonly destination: string;
  readonly body: Buffer | string;
  readonly contentType: string | undefined;
  readonly headers: readonly HeaderEntry[];
  readonly replyTo: string;
  readonly correlationId: string;
  readonly timeoutMs: number;
}

/** `nestjs-stomp rpc DEST BODY`: a request with reply-to and correlation-id, and its reply. */
export const rpc: Command = {
  name: 'rpc',
  summary: 'send a request with reply-to and correlation-id, print the reply',
  arguments: [
    { name: 'DEST', description: 'where the responder listens, e.g. /queue/prices' },
    { name: 'BODY', description: 'request body; - reads it from stdin' },
  ],
  options: [
    { name: 'header', short: 'H', value: 'NAME:VALUE', repeatable: true, description: 'add a header (repeatable); a correlation-id given here is used' },
    { name: 'content-type', value: 'TYPE', description: 'the content-type header, e.g. application/json' },
    { name: 'timeout-ms', value: 'MS', description: `how long to wait for the reply once the request is sent (default ${DEFAULT_TIMEOUT_MS})` },
    { name: 'reply-to', value: 'DEST', description: 'reply destination (default /temp-queue/nestjs-stomp-cli-<uuid>)' },
  ],
  details:
    'Prints the reply body (JSON pretty-printed). Replies are matched by correlation-id; other\n' +
    'messages on a --reply-to queue are left unacknowledged and go back to it. The default\n' +
    'reply destination is a temporary queue the broker deletes when the command exits; on RabbitMQ\n' +
    'the broker subscribes to it by itself, elsewhere the command does. Exits 1 when no reply\n' +
    'arrives in time, or when the reply carries reply-status:error (as the nestjs-stomp transport\n' +
    'sends for a failed handler).',
  async run({ args, io }) {
    const [destination, bodyText] = args.positionals as [string, string];
    const timeout = optionValue(args, 'timeout-ms');
    const userHeaders = extraHeaders(optionValues(args, 'header'), 'rpc', OWN_HEADERS);
    const options = connectionOptions(args, io.env);
    const request: Request = {
      destination,
      body: await bodyArgument(bodyText, io),
      contentType: optionValue(args, 'content-type'),
      headers: userHeaders.filter(([name]) => name !== 'correlation-id' && name !== 'reply-to'),
      replyTo: optionValue(args, 'reply-to') ?? userHeaders.find(([name]) => name === 'reply-to')?.[1] ?? `/temp-queue/nestjs-stomp-cli-${randomUUID()}`,
      correlationId: userHeaders.find(([name]) => name === 'correlation-id')?.[1] ?? randomUUID(),
      timeoutMs: timeout === undefined ? DEFAULT_TIMEOUT_MS : wholeNumber('timeout-ms', timeout, 1, MAX_TIMER_MS),
    };
    const reply = await withSession(options, io, isVerbose(args), (session) => exchange(session, request));
    io.stdout.write(`${formatBody(reply.body, reply.header('content-type'))}\n`);
    if (reply.header('reply-status') !== 'error') return ExitCode.Ok;
    io.stderr.write(errorLine(`the responder on ${destination} answered with an error (reply-status: error)`));
    return ExitCode.Failure;
  },
};

async function exchange(session: CliSession, request: Request): Promise<Frame> {
  const { conn } = session;
  const reply = new Promise<Frame>((resolve) => {
    conn.setListener('rpc', {
      onMessage: (frame) => {
        // Another message on a shared --reply-to queue is not ours to take: unacknowledged, it goes back when the command ends.
        if (frame.header('correlation-id') !== request.correlationId) return;
        if (frame.header('subscription') === REPLY_SUBSCRIPTION_ID) session.track(conn.ack(frame));
        resolve(frame);
      },
    });
  });
  // RabbitMQ refuses a SUBSCRIBE to a /temp-queue/ (it subscribes the sender when it sees reply-to).
  if (!(request.replyTo.startsWith('/temp-queue/') && brokerProduct(conn.connected) === 'rabbitmq')) {
    await conn.subscribe(request.replyTo, REPLY_SUBSCRIPTION_ID, 'client-individual', undefined, { receipt: true });
  }
  const headers: HeaderEntry[] = [...request.headers, ['reply-to', request.replyTo], ['correlation-id', request.correlationId]];
  await conn.send(request.destination, request.body, { contentType: request.contentType, headers, receipt: true });
  return withDeadline(reply, request.timeoutMs, () => `waiting for a reply from ${request.destination} (correlation-id ${request.correlationId})`);
}
