// One measurement of a benchmark server (a child process on IPC that answers 'cpu' with
// `{ cpu: process.cpuUsage(), connections? }`): its CPU time, and with `usePerf` its
// instructions and cycles (bench/perf-counter.mjs), around one load run. Shared by bench/middleware and
// bench/otel.
import { countInstructions } from './perf-counter.mjs';

function cpuOf(server) {
  return new Promise((resolve) => {
    server.child.once('message', (message) => resolve({ ...message.cpu, connections: message.connections }));
    server.child.send('cpu');
  });
}

/**
 * Runs `load()` (an autocannon run of `seconds`) against `server` and returns throughput, server
 * CPU µs per request, instructions and cycles per request (NaN without perf). Throws when any request
 * failed (`label` names the server).
 */
export async function measureServer(server, { load, seconds, usePerf, label }) {
  const before = await cpuOf(server);
  const counter = usePerf ? countInstructions(server.child.pid) : undefined;
  await counter?.started;
  const result = await load();
  const instructions = await counter?.stop();
  const after = await cpuOf(server);
  const requests = result.requests.total;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: errors`);
  const cpuMicros = after.user - before.user + (after.system - before.system);
  if (process.env.BENCH_DEBUG)
    console.log(
      label,
      'connections opened',
      (after.connections ?? 0) - (before.connections ?? 0),
      'requests',
      requests,
    );
  return {
    requests,
    instructions: instructions === undefined ? Number.NaN : instructions.user + instructions.kernel,
    userInstructions: instructions === undefined ? Number.NaN : instructions.user,
    throughput: requests / seconds,
    cpuPerRequest: cpuMicros / requests,
    instructionsPerRequest:
      instructions === undefined ? Number.NaN : (instructions.user + instructions.kernel) / requests,
    userInstructionsPerRequest: instructions === undefined ? Number.NaN : instructions.user / requests,
    cyclesPerRequest: instructions === undefined ? Number.NaN : instructions.cycles / requests,
  };
}
