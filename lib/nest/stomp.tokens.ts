import { Inject } from '@nestjs/common';

/** The DI token of the connection called `name` (the default one when omitted). */
export function getStompConnectionToken(name?: string): string {
  return name === undefined ? 'nestjs-stomp:connection' : `nestjs-stomp:connection:${name}`;
}

/** Injects the {@link StompConnection} registered by `StompModule.forRoot({ name })`. */
export function InjectStompConnection(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getStompConnectionToken(name));
}
