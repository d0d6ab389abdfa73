/** The relay's public face, for the composition roots (cli/serve.ts) and the engine. */
export { registerRelay, type Relay, type RelayOptions, type RequestOptions, type RelaySettings } from './relay.ts';
export type { AgentRegistry, AgentRecord, RegistrationTokenRecord } from './registry.ts';
export { SqliteAgentRegistry, relayMigrations } from './sqlite-registry.ts';
export { nextDeltaPage, nextScimPage, relayPages, type NextPage } from './pages.ts';
export type { RelayRequest, RelayResponse } from './frames.ts';
export type { AgentState, AgentStatus } from './status.ts';
export type { AdminAuthenticator } from './routes.ts';
export { RELAY_DEFAULTS, RELAY_PATHS, CLOSE_CODES } from './defaults.ts';
