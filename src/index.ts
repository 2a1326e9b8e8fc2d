// The package's public entry: the generated API plus the runtime's documented extensions.
export * from './generated/index.js';
export { configure } from './runtime/options.js';
export type { ClientOptions, ReconnectOptions, Transport, TransportFactory, TransportHandlers } from './runtime/options.js';
