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
    throughput: requests / seconds,
    cpuPerRequest: cpuMicros / requests,
    instructionsPerRequest:
      instructions === undefined ? Number.NaN : (instructions.user + instructions.kernel) / requests,
    userInstructionsPerRequest: instructions === undefined ? Number.NaN : instructions.user / requests,
    cyclesPerRequest: instructions === undefined ? Number.NaN : instructions.cycles / requests,
  };
}

/**
 * Paired measurement: `loads[i]()` runs against `servers[i]`, all at once, for the same wall
 * interval. With the servers pinned to one CPU and the load saturating them, the kernel shares
 * that CPU between them, and whatever slows the machine down (steal, another tenant, frequency)
 * slows all of them alike: their CPU time per request is compared under the same conditions,
 * instead of in consecutive runs minutes apart. Returns one result per server, as
 * {@link measureServer}.
 */
export async function measureServersTogether(servers, { loads, seconds, usePerf, labels }) {
  const before = await Promise.all(servers.map(cpuOf));
  const counters = usePerf ? servers.map((server) => countInstructions(server.child.pid)) : [];
  await Promise.all(counters.map((counter) => counter.started));
  const results = await Promise.all(loads.map((load) => load()));
  const instructions = await Promise.all(counters.map((counter) => counter.stop()));
  const after = await Promise.all(servers.map(cpuOf));
  return servers.map((_server, index) => {
    const result = results[index];
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${labels[index]}: errors`);
    const requests = result.requests.total;
    const cpuMicros = after[index].user - before[index].user + (after[index].system - before[index].system);
    const counted = instructions[index];
    return {
      throughput: requests / seconds,
      cpuPerRequest: cpuMicros / requests,
      instructionsPerRequest: counted === undefined ? Number.NaN : (counted.user + counted.kernel) / requests,
      userInstructionsPerRequest: counted === undefined ? Number.NaN : counted.user / requests,
      cyclesPerRequest: counted === undefined ? Number.NaN : counted.cycles / requests,
    };
  });
}
