import { StompErrorCode, type HeaderEntry } from '../engine';
import { StompProtocolError } from './broker-errors';
import { MessageQueue, type StoredMessage } from './message-queue';
import { compileTopicPattern, type TopicMatcher } from './topic-pattern';

/** What the destinations need to know about sessions, to scope and route temp queues. */
export interface SessionDirectory {
  /**
   * `live` for a connected session's id, `gone` for an id this broker issued to a session that has
   * ended, `unknown` for anything else.
   */
  sessionState(id: string): 'live' | 'gone' | 'unknown';
}

/** Where a destination leads, for one session. */
type Route =
  | { kind: 'queue'; key: string; shown: string; owner?: string }
  | { kind: 'topic'; name: string }
  | { kind: 'nowhere' };

/** A consumer's source, and how to let go of it. */
export interface SubscriptionSource {
  readonly queue: MessageQueue;
  /** Called once the subscription ended and gave back its messages. */
  release(): void;
}

const QUEUE = '/queue/';
const TOPIC = '/topic/';
const TEMP_QUEUE = '/temp-queue/';

/**
 * The embedded broker's message store and router:
 * - `/queue/NAME`: one shared queue, competing consumers; kept until consumed.
 * - `/topic/NAME`: every matching subscription gets its own copy, in a queue private to it;
 *   nothing is kept for a topic nobody subscribes to.
 * - `/temp-queue/NAME`: a queue scoped to the connection that uses the name, deleted with it. Its
 *   routable name, `/temp-queue/<session>.NAME`, is what `reply-to` is rewritten to, so that a
 *   responder's SEND reaches the requester's queue (the way ActiveMQ's `/remote-temp-queue/` does).
 */
export class Destinations {
  private readonly queues = new Map<string, MessageQueue>();
  private readonly topicSubscribers = new Map<MessageQueue, TopicMatcher>();
  private sequence = 0;

  constructor(private readonly directory: SessionDirectory) {}

  /**
   * Checks that `destination` is one the broker routes.
   * @throws {StompProtocolError} for an empty name or an unknown prefix.
   */
  validate(sessionId: string, destination: string): void {
    this.route(sessionId, destination);
  }

  /** Stores a message sent by `sessionId` for everyone `destination` reaches. */
  publish(sessionId: string, destination: string, headers: readonly HeaderEntry[], body: Buffer): void {
    const route = this.route(sessionId, destination);
    this.sequence += 1;
    if (route.kind === 'queue') {
      this.queue(route.key).enqueue({ seq: this.sequence, destination: route.shown, headers, body, redelivered: false });
    } else if (route.kind === 'topic') {
      const message: StoredMessage = { seq: this.sequence, destination, headers, body, redelivered: false };
      for (const [queue, matches] of this.topicSubscribers) if (matches(route.name)) queue.enqueue(message);
    }
  }

  /**
   * The queue a SUBSCRIBE of `sessionId` consumes from: the shared one for a queue, a new private
   * one fed by every matching SEND for a topic (pattern with wildcards).
   * @throws {StompProtocolError} for an unknown destination or another connection's temp queue.
   */
  subscribe(sessionId: string, destination: string): SubscriptionSource {
    const route = this.route(sessionId, destination);
    if (route.kind === 'topic') {
      const queue = new MessageQueue();
      this.topicSubscribers.set(queue, compileTopicPattern(route.name));
      return { queue, release: () => this.topicSubscribers.delete(queue) };
    }
    if (route.kind === 'nowhere' || (route.owner !== undefined && route.owner !== sessionId)) {
      throw new StompProtocolError(`cannot subscribe to ${destination}: a temp queue belongs to the connection that named it`, StompErrorCode.InvalidState);
    }
    const { key } = route;
    const queue = this.queue(key);
    return { queue, release: () => this.prune(key) };
  }

  /**
   * The `reply-to` a receiver gets: a temp queue named by `sessionId` becomes its routable name,
   * anything else is left as is.
   */
  routableReplyTo(sessionId: string, replyTo: string): string {
    if (!replyTo.startsWith(TEMP_QUEUE)) return replyTo;
    const route = this.route(sessionId, replyTo);
    return route.kind === 'queue' ? route.key : replyTo;
  }

  /** Deletes the temp queues of a session that ended, with whatever they still held. */
  dropSession(sessionId: string): void {
    const prefix = `${TEMP_QUEUE}${sessionId}.`;
    for (const key of this.queues.keys()) if (key.startsWith(prefix)) this.queues.delete(key);
  }

  private queue(key: string): MessageQueue {
    let queue = this.queues.get(key);
    if (queue === undefined) this.queues.set(key, (queue = new MessageQueue()));
    return queue;
  }

  /** Forgets a queue that holds nothing and has no consumer: it would be created again on use. */
  private prune(key: string): void {
    const queue = this.queues.get(key);
    if (queue !== undefined && queue.size === 0 && !queue.hasConsumers) this.queues.delete(key);
  }

  private route(sessionId: string, destination: string): Route {
    const name = (prefix: string): string => {
      const rest = destination.slice(prefix.length);
      if (rest.length === 0) throw new StompProtocolError(`destination ${destination} has no name`);
      return rest;
    };
    if (destination.startsWith(QUEUE)) return { kind: 'queue', key: destination, shown: destination, owner: undefined };
    if (destination.startsWith(TOPIC)) return { kind: 'topic', name: name(TOPIC) };
    if (destination.startsWith(TEMP_QUEUE)) return this.tempRoute(sessionId, name(TEMP_QUEUE));
    throw new StompProtocolError(
      `unknown destination ${destination}`,
      StompErrorCode.InvalidArgument,
      'The embedded broker routes /queue/NAME, /topic/NAME (wildcards * # >) and /temp-queue/NAME.',
    );
  }

  /** `NAME` is the sender's own temp queue, unless it is `<session>.NAME`, the routable name of one. */
  private tempRoute(sessionId: string, name: string): Route {
    const dot = name.indexOf('.');
    if (dot > 0) {
      const owner = name.slice(0, dot);
      const state = this.directory.sessionState(owner);
      // The requester is gone and its temp queue with it: the reply has nowhere to go.
      if (state === 'gone') return { kind: 'nowhere' };
      if (state === 'live') return { kind: 'queue', key: `${TEMP_QUEUE}${name}`, shown: `${TEMP_QUEUE}${name.slice(dot + 1)}`, owner };
    }
    return { kind: 'queue', key: `${TEMP_QUEUE}${sessionId}.${name}`, shown: `${TEMP_QUEUE}${name}`, owner: sessionId };
  }
}
