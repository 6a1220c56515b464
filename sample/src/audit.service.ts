import { Injectable } from '@nestjs/common';
import { InjectStompConnection, StompConnection } from 'nestjs-stomp';
import { QUEUES } from './queues';

/** Uses the connection StompModule injects, outside any handler. */
@Injectable()
export class AuditService {
  constructor(@InjectStompConnection() private readonly connection: StompConnection) {}

  record(event: string): Promise<void> {
    return this.connection.send(QUEUES.audit, JSON.stringify({ event, at: new Date().toISOString() }), { contentType: 'application/json' });
  }
}
