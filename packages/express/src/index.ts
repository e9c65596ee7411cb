export type { LamportClockOptions, RequestLamport } from './middleware.js';
export { lamportClock } from './middleware.js';
