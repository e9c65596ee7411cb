export {
  ATTR_LAMPORT_END,
  ATTR_LAMPORT_END_TIME_US,
  ATTR_LAMPORT_NODE,
  ATTR_LAMPORT_RECV_CLOCK,
  ATTR_LAMPORT_RECV_NODE,
  ATTR_LAMPORT_REJECTED,
  ATTR_LAMPORT_START,
  ATTR_LAMPORT_START_TIME_US,
} from './attributes.js';
export { getIncomingExchange, getReceivedClock } from './context.js';
export { getOutgoingExchange } from './outgoing-links.js';
export type { LamportPropagatorOptions } from './propagator.js';
export { LamportPropagator } from './propagator.js';
export type { LamportResponseHookOptions } from './response-hook.js';
export { lamportResponseHook } from './response-hook.js';
export type { LamportSpanProcessorOptions, StampableSpan } from './span-processor.js';
export { LamportSpanProcessor } from './span-processor.js';
