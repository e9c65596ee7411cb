/**
 * Entry point of one demo service process. The parent passes the service name, the peers' URLs
 * and the collector URL in TICKLINE_DEMO (JSON) and receives `{ ready: url }` over IPC.
 */
import { skewProcessClock } from './skew.js';

interface Config {
  service: string;
  peers: Record<string, string>;
  tracesUrl: string;
}

const config = JSON.parse(process.env.TICKLINE_DEMO ?? '{}') as Config;
const { SERVICES, startService } = await import('./services.js');
const spec = SERVICES.find((candidate) => candidate.name === config.service);
if (spec === undefined) throw new Error(`@tickline/demo: unknown service '${config.service}'`);

// The simulated host clock error comes first, then telemetry, then the frameworks.
skewProcessClock(spec.skewMs);
const { startTelemetry } = await import('./telemetry.js');
const telemetry = startTelemetry({ service: spec.name, host: spec.host, tracesUrl: config.tracesUrl });
const server = await startService(spec, config.peers);

async function shutdown() {
  await server.close();
  await telemetry.shutdown();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.on('message', (message) => {
  if (message === 'shutdown') void shutdown();
});
process.on('disconnect', () => void shutdown());
process.send?.({ ready: server.url });
