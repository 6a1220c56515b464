import type { WritePacket } from '@nestjs/microservices';
import type { Frame } from '../engine';
import { REPLY_STATUS_HEADER } from './constants';

/**
 * How a reply frame relates to the stream of answers to one request:
 * - `next`: one answer, more follow;
 * - `final`: the last answer (a single-answer handler sends just this one, a plain reply); written
 *   as no header at all, which is how any plain STOMP responder's reply reads;
 * - `complete`: no further answer (the stream ended after its last `next`, or had none);
 * - `error`: the handler failed; the body is the serialized error.
 */
export type ReplyStatus = 'next' | 'final' | 'complete' | 'error';

/** The Nest packet a reply frame stands for. A reply without the header is one final answer. */
export function replyPacket(frame: Frame, decoded: unknown): WritePacket {
  switch (frame.header(REPLY_STATUS_HEADER) as ReplyStatus | undefined) {
    case 'next':
      return { response: decoded };
    case 'complete':
      return { isDisposed: true };
    case 'error':
      return { err: decoded, isDisposed: true };
    default:
      return { response: decoded, isDisposed: true };
  }
}
