import { randomUUID } from 'node:crypto';
import { brokerProduct, MAX_TIMER_MS, type Frame, type HeaderEntry } from '../../engine';
import { optionValue, optionValues } from '../args';
import type { Command } from '../command';
import { connectionOptions, isVerbose } from '../connection-flags';
import { Deadline } from '../deadline';
import { ExitCode } from '../errors';
import { errorLine, formatBody } from '../format';
import { bodyArgument } from '../io';
import { withSession, type CliSession } from '../session';
import { extraHeaders, wholeNumber } from '../values';

/** Headers the command writes itself; `-H` may not give them again. */
const OWN_HEADERS: readonly string[] = ['destination', 'receipt'];

const DEFAULT_TIMEOUT_MS = 10_000;
const REPLY_SUBSCRIPTION_ID = 'nestjs-stomp-cli-reply';
/**
 * How a reply of the nestjs-stomp transport relates to the stream of answers (its
 * REPLY_STATUS_HEADER, lib/nest/reply.ts; the CLI imports only the engine): `next` comes before
 * the last answer; `complete` ends the stream with no answer; `error` ends it with the handler's
 * error; no header at all is the final answer, which is all a plain STOMP responder sends.
 */
const REPLY_STATUS = 'reply-status';

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
  summary: 'send a request with reply-to and correlation-id, print the reply (every answer of a stream)',
  arguments: [
    { name: 'DEST', description: 'where the responder listens, e.g. /queue/prices' },
    { name: 'BODY', description: 'request body, sent as text; - reads it from stdin as bytes (with content-length)' },
  ],
  options: [
    { name: 'header', short: 'H', value: 'NAME:VALUE', repeatable: true, description: 'add a header (repeatable); a correlation-id given here is used' },
    { name: 'content-type', value: 'TYPE', description: 'the content-type header, e.g. application/json' },
    { name: 'timeout-ms', value: 'MS', description: `how long to wait for the reply once the request is sent, and for each further answer of a stream (default ${DEFAULT_TIMEOUT_MS})` },
    { name: 'reply-to', value: 'DEST', description: 'reply destination (default /temp-queue/nestjs-stomp-cli-<uuid>)' },
  ],
  details:
    'Prints the reply body (JSON pretty-printed). A streamed reply, as the nestjs-stomp transport\n' +
    'sends for a handler returning an Observable, is printed answer by answer, in order: answers\n' +
    'with reply-status:next until the final one (no reply-status) or an empty\n' +
    'reply-status:complete; --timeout-ms starts over with each answer. Replies are matched by\n' +
    'correlation-id; other messages on a --reply-to queue are left unacknowledged and go back to\n' +
    'it. The default reply destination is a temporary queue the broker deletes when the command\n' +
    'exits; on RabbitMQ the broker subscribes to it by itself, elsewhere the command does. Exits 1\n' +
    'when no reply arrives in time, or when the reply carries reply-status:error (as the\n' +
    'nestjs-stomp transport sends for a failed handler).',
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
    const print = (answer: Frame): void => void io.stdout.write(`${formatBody(answer.body, answer.header('content-type'))}\n`);
    const last = await withSession(options, io, isVerbose(args), (session) => exchange(session, request, print));
    if (last.header(REPLY_STATUS) !== 'error') return ExitCode.Ok;
    io.stderr.write(errorLine(`the responder on ${destination} answered with an error (reply-status: error)`));
    return ExitCode.Failure;
  },
};

/**
 * Sends the request and hands `print` each answer to it, in order, until the last reply, which it
 * resolves with (`print` has had it too, unless it is an empty `complete`). The timeout runs from
 * the send, and starts over with each answer, as the transport's own ClientStomp does.
 */
async function exchange(session: CliSession, request: Request, print: (answer: Frame) => void): Promise<Frame> {
  const { conn } = session;
  let answers = 0;
  let deadline: Deadline | undefined;
  const last = new Promise<Frame>((resolve) => {
    let ended = false;
    conn.setListener('rpc', {
      onMessage: (frame) => {
        // Another message on a shared --reply-to queue is not ours to take: unacknowledged, it goes back when the command ends.
        // Neither is one after the last reply.
        if (ended || frame.header('correlation-id') !== request.correlationId) return;
        if (frame.header('subscription') === REPLY_SUBSCRIPTION_ID) session.track(conn.ack(frame));
        const status = frame.header(REPLY_STATUS);
        answers += 1;
        if (status !== 'complete') print(frame);
        if (status === 'next') {
          deadline?.restart();
        } else {
          ended = true;
          resolve(frame);
        }
      },
    });
  });
  // RabbitMQ refuses a SUBSCRIBE to a /temp-queue/ (it subscribes the sender when it sees reply-to).
  if (!(request.replyTo.startsWith('/temp-queue/') && brokerProduct(conn.connected) === 'rabbitmq')) {
    await conn.subscribe(request.replyTo, REPLY_SUBSCRIPTION_ID, 'client-individual', undefined, { receipt: true });
  }
  const headers: HeaderEntry[] = [...request.headers, ['reply-to', request.replyTo], ['correlation-id', request.correlationId]];
  await conn.send(request.destination, request.body, { contentType: request.contentType, headers, receipt: true });
  const awaited = (): string => (answers === 0 ? 'a reply' : `the next answer (${answers} so far)`);
  deadline = new Deadline(request.timeoutMs, () => `waiting for ${awaited()} from ${request.destination} (correlation-id ${request.correlationId})`);
  return deadline.race(last);
}
