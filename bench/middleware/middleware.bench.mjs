// bench/middleware: throughput and server CPU per request of @tickline/express and
// @tickline/fastify against the bare framework, measured in the same run.
// Each server runs pinned to CPU 0 (taskset), autocannon in this process pinned to CPU 1;
// A/B runs are interleaved (the order alternates each round) and medians are reported.
// Requests carry `lamport-clock`, so the middleware merges it and stamps every reply.
// Run: pnpm turbo run build --filter @tickline/bench... && node bench/middleware/middleware.bench.mjs
//   [--rounds 5] [--seconds 5] [--connections 50] [--frameworks express,fastify] [--naive] [--empty]
//   [--variants tickline,hook-only,header-only,…: the variants to measure beside bare (app.mjs)]
//   [--servers N: N server processes per variant, measured in turn (averages out JIT luck)]
//   (--naive, --empty: also measure the variants of that name, see app.mjs)
//   [--rate N: a fixed total request rate instead of as fast as possible, to compare CPU per request]
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
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    frameworks: { type: 'string', default: 'fastify,express' },
    naive: { type: 'boolean', default: false },
    empty: { type: 'boolean', default: false },
    variants: { type: 'string' },
    servers: { type: 'string', default: '1' },
    rate: { type: 'string', default: '0' },
    'no-perf': { type: 'boolean', default: false },
  },
});
// Instructions per request (perf stat on the server's pid): steady when the machine is shared.
const usePerf = !args['no-perf'] && perfAvailable();
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const here = dirname(fileURLToPath(import.meta.url));

// The load generator takes CPU 1, servers CPU 0 (when taskset exists).
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
if (hasTaskset) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

function startServer(framework, variant) {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const argv = [join(here, 'server.mjs'), framework, variant];
  const child = spawn(command, hasTaskset ? ['-c', '0', process.execPath, ...argv] : argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: message.ready, framework, variant }));
    child.once('exit', (code) => reject(new Error(`server ${framework}/${variant} exited with ${code}`)));
  });
}

function load(port, duration) {
  return autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections,
    duration,
    headers: { 'lamport-clock': '5;node="bench/0000"' },
    ...(Number(args.rate) > 0 ? { overallRate: Number(args.rate) } : {}),
  });
}

function measure(server) {
  return measureServer(server, {
    load: () => load(server.port, seconds),
    seconds,
    usePerf,
    label: `${server.framework}/${server.variant}`,
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const frameworks = args.frameworks.split(',');
const variantNames =
  args.variants === undefined
    ? ['bare', 'tickline']
    : ['bare', ...args.variants.split(',').filter((v) => v !== 'bare')];
if (args.naive) variantNames.push('naive');
if (args.empty) variantNames.push('empty');

const serverCopies = Math.max(1, Number(args.servers));
const servers = new Map();
for (const framework of frameworks) {
  for (const variant of variantNames)
    for (let copy = 0; copy < serverCopies; copy++)
      servers.set(`${framework}/${variant}#${copy}`, await startServer(framework, variant));
}
try {
  for (const server of servers.values()) await load(server.port, 2); // warm-up (JIT)
  const samples = new Map(
    frameworks.flatMap((framework) => variantNames.map((variant) => [`${framework}/${variant}`, []])),
  );
  for (let round = 0; round < rounds; round++) {
    for (const framework of frameworks) {
      const variants = variantNames;
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      const results = {};
      // With --servers N, round r measures copy r mod N of each variant: one process's JIT luck
      // (instruction counts of two identical servers differ by up to ~3%) averages out.
      const copy = round % serverCopies;
      for (const variant of order)
        results[variant] = await measure(servers.get(`${framework}/${variant}#${copy}`));
      for (const variant of variants) {
        samples.get(`${framework}/${variant}`).push({
          ...results[variant],
          ratio: results[variant].throughput / results.bare.throughput,
          extraCpu: results[variant].cpuPerRequest - results.bare.cpuPerRequest,
          instructionRatio: results.bare.instructionsPerRequest / results[variant].instructionsPerRequest,
          cycleRatio: results.bare.cyclesPerRequest / results[variant].cyclesPerRequest,
        });
      }
      console.log(
        `round ${round + 1} ${framework}: ` +
          variants
            .map(
              (v) =>
                `${v} ${results[v].throughput.toFixed(0)} req/s ${results[v].cpuPerRequest.toFixed(2)} µs` +
                (usePerf
                  ? ` ${(results[v].instructionsPerRequest / 1000).toFixed(1)}k instr ${(results[v].cyclesPerRequest / 1000).toFixed(1)}k cycles`
                  : ''),
            )
            .join(', '),
      );
    }
  }
  console.log(
    `\nmedians over ${rounds} interleaved rounds of ${seconds} s, ${connections} connections, taskset ${hasTaskset ? 'on' : 'off'}`,
  );
  console.log('variant               req/s   ratio vs bare   server CPU µs/req   extra µs/req');
  for (const [key, list] of samples) {
    console.log(
      `${key.padEnd(20)} ${median(list.map((s) => s.throughput))
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
  if (usePerf) {
    console.log(
      '\nper request on the server (perf stat, user + kernel): instructions and cycles, and bare / variant (ratios):',
    );
    console.log(
      'variant              instructions/req   instruction ratio    cycles/req   cycle ratio   ratio of medians (instr, cycles)',
    );
    const medianOf = (list, field) => median(list.map((s) => s[field]));
    for (const [key, list] of samples) {
      const bare = samples.get(`${key.split('/')[0]}/bare`);
      console.log(
        `${key.padEnd(20)} ${medianOf(list, 'instructionsPerRequest').toFixed(0).padStart(16)}   ${medianOf(
          list,
          'instructionRatio',
        )
          .toFixed(4)
          .padStart(17)}   ${medianOf(list, 'cyclesPerRequest').toFixed(0).padStart(11)}   ${medianOf(
          list,
          'cycleRatio',
        )
          .toFixed(4)
          .padStart(11)}   ${(
          medianOf(bare, 'instructionsPerRequest') / medianOf(list, 'instructionsPerRequest')
        ).toFixed(
          4,
        )}, ${(medianOf(bare, 'cyclesPerRequest') / medianOf(list, 'cyclesPerRequest')).toFixed(4)}`,
      );
    }
  }
} finally {
  for (const server of servers.values()) server.child.send('exit');
}
