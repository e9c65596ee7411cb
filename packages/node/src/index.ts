export { instrumentAgent, TicklineAgent, TicklineHttpsAgent } from './http-client.js';
export { instrumentOutgoing } from './instrument.js';
export type { OutgoingOptions, OutgoingTarget } from './options.js';
