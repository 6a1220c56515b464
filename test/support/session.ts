import type { Socket } from 'node:net';
import { StompConnection, type ConnectionOptions, type Frame, type StompVersion } from '../../lib';
import type { BrokerTarget } from './brokers';
import { Inbox } from './wait';

/** Connections opened by a test, closed by {@link closeAll} in afterEach. */
const open = new Set<StompConnection>();

/** A connected engine on a real broker, with every MESSAGE routed to an inbox per subscription id. */
export interface Session {
  conn: StompConnection;
  inbox(subscriptionId: string): Inbox<Frame>;
}

export async function session(broker: BrokerTarget, version: StompVersion, extra: ConnectionOptions = {}): Promise<Session> {
  const conn = new StompConnection({ ...broker.options, version, ...extra });
  open.add(conn);
  const inboxes = new Map<string, Inbox<Frame>>();
  const inbox = (id: string): Inbox<Frame> => {
    let box = inboxes.get(id);
    if (box === undefined) inboxes.set(id, (box = new Inbox<Frame>()));
    return box;
  };
  conn.setListener('inboxes', { onMessage: (frame) => inbox(frame.header('subscription') ?? '').push(frame) });
  await conn.connect();
  return { conn, inbox };
}

/**
 * The text bodies still on `queue`, oldest first, consumed: a marker sent after everything else is
 * read last, so an empty list proves the queue held nothing more (no waiting for an absence).
 */
export async function remainingOn(broker: BrokerTarget, queue: string): Promise<string[]> {
  const s = await session(broker, '1.2');
  const marker = `marker-${Date.now()}-${Math.random()}`;
  await s.conn.subscribe(queue, 'remaining', 'auto', undefined, { receipt: true });
  await s.conn.send(queue, marker, { contentType: 'text/plain', receipt: true });
  const rest: string[] = [];
  for (let body = (await s.inbox('remaining').next()).text(); body !== marker; body = (await s.inbox('remaining').next()).text()) rest.push(body);
  await close(s);
  return rest;
}

/** Disconnects a session (DISCONNECT with receipt) and forgets it. */
export async function close(s: Session): Promise<void> {
  open.delete(s.conn);
  await s.conn.disconnect();
}

export async function closeAll(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((conn) => conn.disconnect().catch(() => undefined)));
}

/** Writes bytes past the engine, to make a real broker do what only bad input makes it do. */
export function writeRaw(conn: StompConnection, data: string): void {
  (conn as unknown as { socket: Socket }).socket.write(data);
}
