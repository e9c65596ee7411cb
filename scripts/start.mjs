#!/usr/bin/env node
// `pnpm start`: the collector (OTLP/HTTP receiver, SQLite store, query API, viewer) and the demo
// services sending it traffic. Prints the URL to open. Ctrl-C stops everything.
//   TICKLINE_PORT (default 4318), TICKLINE_STORE (default sqlite:.tickline/tickline.db),
//   TICKLINE_DEMO_RPS (default 3 checkouts per second; 0 for none).
import { createCollector } from '@tickline/collector';
import { startDemo } from '@tickline/demo';

const port = Number(process.env.TICKLINE_PORT ?? 4318);
const store = process.env.TICKLINE_STORE ?? 'sqlite:.tickline/tickline.db';
const requestsPerSecond = Number(process.env.TICKLINE_DEMO_RPS ?? 3);

const collector = await createCollector({ port, store });
let url;
try {
  url = await collector.listen();
} catch (error) {
  if (error?.code !== 'EADDRINUSE') throw error;
  console.error(`port ${port} is busy; set TICKLINE_PORT to another port`);
  process.exit(1);
}
const demo = await startDemo({ collectorUrl: url, requestsPerSecond });
console.log(`\nTickline is running: open ${url}/\n`);
console.log(`  collector  ${url}  (OTLP/HTTP at ${url}/v1/traces, store ${store})`);
for (const [name, serviceUrl] of Object.entries(demo.urls)) console.log(`  ${name.padEnd(10)} ${serviceUrl}`);
console.log(
  `  traffic    ${requestsPerSecond} checkouts/s through storefront → orders → payments, inventory\n`,
);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping: flushing the demo services and committing spans…');
  await demo.stop();
  await collector.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
