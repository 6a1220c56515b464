import { Module, type INestApplicationContext, type INestMicroservice, type LoggerService, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { ClientStomp, ServerStomp, type ClientStompOptions, type ServerStompOptions } from '../../lib';
import type { BrokerTarget } from '../support/brokers';

const opened: Array<{ close(): Promise<unknown> }> = [];

/** A real Nest microservice on `broker` with `controllers`, listening; by default it logs errors only. */
export async function startServer(
  broker: BrokerTarget,
  controllers: Type[],
  options: ServerStompOptions = {},
  logger: LoggerService | LogLevel[] = ['error'],
): Promise<{ app: INestMicroservice; server: ServerStomp }> {
  @Module({ controllers })
  class ServerModule {}
  const server = new ServerStomp({ ...broker.options, ...options });
  const app = await NestFactory.createMicroservice(ServerModule, { strategy: server, logger });
  await app.listen();
  opened.push(app);
  return { app, server };
}

/** A ClientStomp obtained the way users get one: ClientsModule.register with customClass. */
export async function startClient(broker: BrokerTarget, options: ClientStompOptions = {}): Promise<{ ctx: INestApplicationContext; client: ClientStomp }> {
  @Module({ imports: [ClientsModule.register([{ name: 'STOMP_CLIENT', customClass: ClientStomp, options: { ...broker.options, ...options } }])] })
  class ClientModule {}
  const ctx = await NestFactory.createApplicationContext(ClientModule, { logger: ['error'] });
  ctx.enableShutdownHooks();
  opened.push(ctx);
  const client = ctx.get<ClientStomp>('STOMP_CLIENT');
  await client.connect();
  return { ctx, client };
}

/** Has {@link closeApps} close `app` too: an app a test made itself, left open when an assertion fails. */
export function closeLater<T extends { close(): Promise<unknown> }>(app: T): T {
  opened.push(app);
  return app;
}

/** Closes every app and client a test started, newest first. */
export async function closeApps(): Promise<void> {
  for (const app of opened.splice(0).reverse()) await app.close();
}
