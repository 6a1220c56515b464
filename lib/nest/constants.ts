/**
 * Transport id of {@link ServerStomp}: `@MessagePattern('/queue/x', STOMP_TRANSPORT)` binds a handler
 * to STOMP alone in a hybrid app with several transports.
 */
export const STOMP_TRANSPORT: unique symbol = Symbol('STOMP_TRANSPORT');

/** Header carrying the request id of a request/response pair, as JMS and most brokers name it. */
export const CORRELATION_ID_HEADER = 'correlation-id';
/** Header naming where the answer to a request goes. */
export const REPLY_TO_HEADER = 'reply-to';
/**
 * Header telling a Nest requester how a reply relates to the stream of answers: see {@link ReplyStatus}.
 * A reply without it (from a plain STOMP responder) is a single, final answer.
 */
export const REPLY_STATUS_HEADER = 'reply-status';

/** Milliseconds {@link ServerStomp.close} waits for running handlers. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;
/** Milliseconds a request waits for its reply. */
export const DEFAULT_REQUEST_TIMEOUT = 30_000;
/** Milliseconds a send waits for a reconnect before failing. */
export const DEFAULT_RECONNECT_WAIT = 10_000;
/** Handlers running at once per subscription. */
export const DEFAULT_CONCURRENCY = 1;
