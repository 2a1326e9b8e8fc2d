// What the generated Client builds on: createRuntime and its types.
export { createRuntime, type ClientRuntime, type RuntimeHooks, type ConnectionState } from './runtime.js';
export type { ClientOptions, ReconnectOptions, TransportFactory, TransportHandlers, Transport } from './options.js';
