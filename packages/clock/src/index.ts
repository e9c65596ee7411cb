export {
  CLOCK_HEADER,
  HLC_HEADER,
  MAX_CLOCK_DIGITS,
  MAX_HEADER_LENGTH,
  MAX_HEADER_MEMBERS,
  MAX_NODE_LENGTH,
  MAX_WIRE_CLOCK,
} from './constants.js';
export type { RemoteRejection } from './errors.js';
export { ClockExhaustedError, RemoteClockRejectedError } from './errors.js';
export type {
  EventStamp,
  IncomingExchange,
  OutgoingExchange,
  ReceiveStamp,
  StampOptions,
} from './exchange.js';
export {
  beginOutgoing,
  claimPendingOutgoing,
  findIncoming,
  receiveRequest,
  receiveResponse,
  registerCarrierReader,
  stampReply,
} from './exchange.js';
export type { ClockStamp, HeaderRejection, ParsedClockHeader } from './header.js';
export { formatClockHeader, parseClockHeader } from './header.js';
export type {
  HlcReceiveOutcome,
  HlcTimestamp,
  HybridLogicalClockOptions,
  ParsedHlcHeader,
} from './hlc.js';
export { compareHlc, formatHlcHeader, HybridLogicalClock, parseHlcHeader } from './hlc.js';
export type { LamportClockOptions, ReceiveOutcome } from './lamport-clock.js';
export { LamportClock } from './lamport-clock.js';
export { defaultNodeId } from './node-id.js';
export { getProcessClock, setProcessClock } from './process-clock.js';
export type { ServerClockOptions } from './server.js';
export { createRequestReceiver } from './server.js';
export type { WallClock } from './wall-clock.js';
export { nowMicros, systemWallClock } from './wall-clock.js';
