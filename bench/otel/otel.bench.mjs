// bench/otel: the added cost per request of @tickline/otel (LamportPropagator +
// LamportSpanProcessor; with lamportResponseHook; with the @tickline/fastify plugin instead) on
// top of a fastify server instrumented with the OpenTelemetry SDK and instrumentation-http, as
// a ratio against that OTel-only server measured in the same run. Target: >= 0.97.
// Each server runs pinned to CPU 0 (taskset), autocannon in this process pinned to CPU 1; the
// variants run interleaved (order reversed every round) and medians are reported. Requests
// carry traceparent (sampled) and lamport-clock, so extract merges and every reply is stamped.
// Run: pnpm turbo run build --filter @tickline/bench... && node bench/otel/otel.bench.mjs
//   [--rounds 5] [--seconds 4] [--connections 50]
//   [--rate N: a fixed total request rate instead of as fast as possible, to compare CPU per request]
//   [--variants bare,otel,lamport,lamport-hook,lamport-fastify,propagator-only,processor-only] (must include otel)
//   [--same-process: one server, Tickline switched on and off between rounds]
//   [--no-perf: skip the instruction counts (taken with `perf stat -p` when perf is installed)]
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { perfAvailable } from '../perf-counter.mjs';
import { measureServer } from '../server-measure.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    rate: { type: 'string', default: '0' },
    variants: { type: 'string', default: 'bare,otel,lamport,lamport-hook,lamport-fastify' },
    'same-process': { type: 'boolean', default: false },
    'no-perf': { type: 'boolean', default: false },
  },
});
// Instructions per request (perf stat on the server's pid): steady when the machine is shared.
const usePerf = !args['no-perf'] && perfAvailable();
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const here = dirname(fileURLToPath(import.meta.url));
const variants = args.variants.split(',');
const baseline = 'otel';

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
if (hasTaskset) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

function startServer(variant) {
  const argv = [join(here, 'server.cjs'), variant];
  const child = spawn(
    hasTaskset ? 'taskset' : process.execPath,
    hasTaskset ? ['-c', '0', process.execPath, ...argv] : argv,
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: message.ready, variant }));
    child.once('exit', (code) => reject(new Error(`server ${variant} exited with ${code}`)));
  });
}

function load(port, duration) {
  return autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections,
    duration,
    headers: {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'lamport-clock': '5;node="bench/0000"',
    },
    ...(Number(args.rate) > 0 ? { overallRate: Number(args.rate) } : {}),
  });
}

function measure(server) {
  return measureServer(server, {
    load: () => load(server.port, seconds),
    seconds,
    usePerf,
    label: server.variant,
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

if (args['same-process']) {
  // One server; LamportPropagator + LamportSpanProcessor switched on and off between rounds.
  const server = await startServer('toggle');
  const switchTo = (state) => server.child.send(state);
  try {
    for (const state of ['on', 'off']) {
      switchTo(state);
      await load(server.port, 2);
    }
    const samples = { off: [], on: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      const results = {};
      for (const state of order) {
        switchTo(state);
        results[state] = await measure({ ...server, variant: `toggle/${state}` });
      }
      samples.off.push(results.off);
      samples.on.push({
        ...results.on,
        ratio: results.on.throughput / results.off.throughput,
        extraCpu: results.on.cpuPerRequest - results.off.cpuPerRequest,
        instructionRatio: results.off.instructionsPerRequest / results.on.instructionsPerRequest,
        cycleRatio: results.off.cyclesPerRequest / results.on.cyclesPerRequest,
        // Paired within the round (the two measurements ~2 s apart), user space only: the kernel's
        // share per request moves with how many requests each event-loop turn reads.
        extraUserInstructions: results.on.userInstructionsPerRequest - results.off.userInstructionsPerRequest,
      });
      const instr = (result) =>
        usePerf
          ? ` ${(result.instructionsPerRequest / 1000).toFixed(1)}k instr ${(result.cyclesPerRequest / 1000).toFixed(1)}k cycles`
          : '';
      console.log(
        `round ${round + 1}: off ${results.off.throughput.toFixed(0)} req/s ${results.off.cpuPerRequest.toFixed(1)} µs${instr(results.off)}, on ${results.on.throughput.toFixed(0)} req/s ${results.on.cpuPerRequest.toFixed(1)} µs${instr(results.on)}`,
      );
    }
    console.log(
      `\nsame process, medians over ${rounds} interleaved rounds of ${seconds} s, ${connections} connections, taskset ${hasTaskset ? 'on' : 'off'}`,
    );
    console.log(
      `otel only             ${median(samples.off.map((s) => s.throughput)).toFixed(0)} req/s, ${median(samples.off.map((s) => s.cpuPerRequest)).toFixed(2)} µs/req`,
    );
    console.log(
      `+ propagator+processor ${median(samples.on.map((s) => s.throughput)).toFixed(0)} req/s, ${median(samples.on.map((s) => s.cpuPerRequest)).toFixed(2)} µs/req, ratio ${median(samples.on.map((s) => s.ratio)).toFixed(3)}, extra ${median(samples.on.map((s) => s.extraCpu)).toFixed(2)} µs/req`,
    );
    if (usePerf) {
      const off = median(samples.off.map((s) => s.instructionsPerRequest));
      const on = median(samples.on.map((s) => s.instructionsPerRequest));
      console.log(
        `instructions per request (perf stat, user + kernel): off ${off.toFixed(0)}, on ${on.toFixed(0)}, ` +
          `extra ${(on - off).toFixed(0)} (${((100 * (on - off)) / off).toFixed(2)}%), instruction ratio ${median(samples.on.map((s) => s.instructionRatio)).toFixed(4)}`,
      );
      const offUser = median(samples.off.map((s) => s.userInstructionsPerRequest));
      const extraUser = median(samples.on.map((s) => s.extraUserInstructions));
      console.log(
        `user-space instructions per request: off ${offUser.toFixed(0)}, extra (median of the rounds' on - off) ` +
          `${extraUser.toFixed(0)} (${((100 * extraUser) / offUser).toFixed(2)}%)`,
      );
      // Pooled over all rounds: a collection of the old generation lands in some rounds and not in
      // others, and medians leave it out; it is part of the cost.
      const pooled = (list, key) =>
        list.reduce((sum, s) => sum + s[key], 0) / list.reduce((sum, s) => sum + s.requests, 0);
      for (const key of ['instructions', 'userInstructions']) {
        const off = pooled(samples.off, key);
        const on = pooled(samples.on, key);
        console.log(
          `${key === 'instructions' ? 'all' : 'user-space'} instructions per request, pooled over the rounds: off ${off.toFixed(0)}, on ${on.toFixed(0)}, ` +
            `extra ${(on - off).toFixed(0)} (${((100 * (on - off)) / off).toFixed(2)}%)`,
        );
      }
      const offCycles = median(samples.off.map((s) => s.cyclesPerRequest));
      const onCycles = median(samples.on.map((s) => s.cyclesPerRequest));
      console.log(
        `cycles per request (perf stat): off ${offCycles.toFixed(0)}, on ${onCycles.toFixed(0)}, ` +
          `extra ${(onCycles - offCycles).toFixed(0)} (${((100 * (onCycles - offCycles)) / offCycles).toFixed(2)}%), cycle ratio ${median(samples.on.map((s) => s.cycleRatio)).toFixed(4)}`,
      );
    }
  } finally {
    server.child.send('exit');
  }
  process.exit(0);
}

const servers = new Map();
for (const variant of variants) servers.set(variant, await startServer(variant));
try {
  for (const server of servers.values()) await load(server.port, 2); // warm-up (JIT)
  const samples = new Map(variants.map((variant) => [variant, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const results = {};
    for (const variant of order) results[variant] = await measure(servers.get(variant));
    for (const variant of variants) {
      samples.get(variant).push({
        ...results[variant],
        ratio: results[variant].throughput / results[baseline].throughput,
        extraCpu: results[variant].cpuPerRequest - results[baseline].cpuPerRequest,
      });
    }
    console.log(
      `round ${round + 1}: ` +
        variants
          .map(
            (v) => `${v} ${results[v].throughput.toFixed(0)} req/s ${results[v].cpuPerRequest.toFixed(1)} µs`,
          )
          .join(', '),
    );
  }
  console.log(
    `\nmedians over ${rounds} interleaved rounds of ${seconds} s, ${connections} connections, taskset ${hasTaskset ? 'on' : 'off'}`,
  );
  console.log(
    `variant            req/s   ratio vs ${baseline}   server CPU µs/req   extra µs/req vs ${baseline}`,
  );
  for (const [variant, list] of samples) {
    console.log(
      `${variant.padEnd(16)} ${median(list.map((s) => s.throughput))
        .toFixed(0)
        .padStart(6)}   ${median(list.map((s) => s.ratio))
        .toFixed(3)
        .padStart(13)}   ${median(list.map((s) => s.cpuPerRequest))
        .toFixed(2)
        .padStart(17)}   ${median(list.map((s) => s.extraCpu))
        .toFixed(2)
        .padStart(12)}`,
    );
  }
} finally {
  for (const server of servers.values()) server.child.send('exit');
}
