import { Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServerStomp } from 'nestjs-stomp';
import { EmbeddedBroker } from 'nestjs-stomp/testing';
import { brokerOptions } from './config';

/**
 * Starts the orders microservice on STOMP, runs the scripted demo against it, and stops
 * (SAMPLE_KEEP_RUNNING=1 keeps it serving after the demo). Without STOMP_URL it brings up the
 * embedded development broker first, so `npm start` needs nothing installed.
 */
async function main(): Promise<void> {
  const logger = new Logger('Sample');
  let embedded: EmbeddedBroker | undefined;
  if (process.env.STOMP_URL === undefined) {
    embedded = await EmbeddedBroker.start();
    process.env.STOMP_URL = embedded.url;
    logger.log(`no STOMP_URL: started the embedded development broker on ${embedded.url} (not for production)`);
  }
  // Imported now: the module reads STOMP_URL while its decorators run.
  const { AppModule } = (await import('./app.module')) as { AppModule: Type };
  const { DemoProducer } = await import('./demo.producer');
  const app = await NestFactory.createMicroservice(AppModule, { strategy: new ServerStomp(brokerOptions()) });
  app.enableShutdownHooks();
  await app.listen();
  logger.log(`listening on ${process.env.STOMP_URL.replace(/\/\/[^@]*@/, '//')}`);
  await app.get(DemoProducer).run();
  logger.log('demo finished');
  if (process.env.SAMPLE_KEEP_RUNNING === '1') return;
  await app.close();
  await embedded?.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
