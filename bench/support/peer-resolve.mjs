// ESM resolve hook (module.register) for the Nest RMQ peer: @nestjs/microservices (in the root
// node_modules) loads amqplib and amqp-connection-manager, which only bench/node_modules has.
const PEERS = new Set(['amqplib', 'amqp-connection-manager']);
let benchUrl;
export function initialize(data) {
  benchUrl = data.benchUrl;
}
export async function resolve(specifier, context, nextResolve) {
  if (PEERS.has(specifier)) return nextResolve(specifier, { ...context, parentURL: benchUrl });
  return nextResolve(specifier, context);
}
