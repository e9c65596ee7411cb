export type { RequestLamport, TicklineOptions } from './plugin.js';
export { tickline, tickline as default } from './plugin.js';
