export type { Demo, DemoOptions } from './demo.js';
export { startDemo } from './demo.js';
export type { ServiceSpec } from './services.js';
export { SERVICES } from './services.js';
