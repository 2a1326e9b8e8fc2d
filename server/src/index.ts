// Public API of the reference backend.
export { generateToken, verifyToken, parseToken, checkPrivilege, Privileges } from './token/index.js';
export type { TokenInput, ParsedToken, VerifyOptions, VerifyResult, Privilege } from './token/index.js';
export { CODES, type Failure } from './codes.js';
export { createServer, startServer, SignalingServer, type RunningServer } from './signaling/server.js';
export type { ServerConfig } from './config.js';
export { DEFAULT_LIMITS, type Limits } from './rooms/limits.js';
export { InMemoryRoomStore, type RoomStore } from './rooms/store.js';
export type { RoomService, RoomView, MemberView } from './rooms/service.js';
export { ReportStore, type StoredReport, type ReportQuery } from './reports/store.js';
export { UncheckedUrlPlane } from './media/unchecked.js';
export type { MediaPlane, MediaEvent, StreamKey, PlayOptions } from './media/plane.js';
export { createLogger, ServerEvents, type ServerEvent, type AdminConfig, type OpsConfig, type Logger, type LogLevel } from './ops/index.js';
