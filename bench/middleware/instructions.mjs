// bench/middleware/instructions: the instructions a request costs with each middleware variant,
// counted deterministically, beside the throughput benchmark (middleware.bench.mjs) whose
// server-side counts move with how many requests each event-loop turn happens to read.
// One process serves the app (app.mjs) and sends it requests over a real keep-alive connection
// on 127.0.0.1, one at a time, so every run does the same work in the same order; `perf stat`
// counts the user-space instructions of runs of N and 5N requests, and (count(5N) - count(N)) / 4N
// is the cost of one request: server and client (the client's share is the same for every
// variant, except for reading the one more response header; the `header-only` variant shows it).
// Run: node bench/middleware/instructions.mjs [--requests 20000] [--runs 3]
//   [--frameworks fastify,express,node (plain node:http: bare and header-only)] [--variants bare,tickline,header-only,hook-only,naive]
//   (--only FRAMEWORK VARIANT: one run, what the runner spawns under perf)
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { countRunInstructions } from '../perf-counter.mjs';
import { createApp } from './app.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    frameworks: { type: 'string', default: 'fastify,express' },
    variants: { type: 'string', default: 'bare,tickline,header-only,hook-only' },
    only: { type: 'boolean', default: false },
  },
});
const requests = Number(args.requests);

async function serveAndSend(framework, variant, count) {
  let server;
  if (framework === 'node') {
    // Plain node: what one more response header costs node itself ('header-only') or nothing ('bare').
    const body = JSON.stringify({ hello: 'world' });
    server = http.createServer((_request, response) => {
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(body.length),
      };
      if (variant === 'header-only') headers['lamport-clock'] = '42;node="bench/0000"';
      response.writeHead(200, headers);
      response.end(body);
    });
  } else {
    const app = await createApp(framework, variant);
    server = framework === 'express' ? http.createServer(app) : app.server;
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { port } = server.address();
  const send = () =>
    new Promise((resolve, reject) => {
      const request = http.get(
        { host: '127.0.0.1', port, path: '/', agent, headers: { 'lamport-clock': '5;node="bench/0000"' } },
        (response) => {
          if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', reject);
    });
  for (let i = 0; i < count; i++) await send();
  agent.destroy();
  server.close();
}

if (args.only) {
  const [framework, variant] = positionals;
  await serveAndSend(framework, variant, requests);
  process.exit(0);
}

function count(framework, variant, n) {
  return countRunInstructions(fileURLToPath(import.meta.url), [
    '--only',
    framework,
    variant,
    '--requests',
    String(n),
  ]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const variants = args.variants.split(',');
for (const framework of args.frameworks.split(',')) {
  const perRequest = {};
  for (const variant of variants) {
    const samples = [];
    for (let run = 0; run < Number(args.runs); run++)
      samples.push(
        (count(framework, variant, 5 * requests) - count(framework, variant, requests)) / (4 * requests),
      );
    perRequest[variant] = median(samples);
    console.log(
      `${framework}/${variant}: ${samples.map((s) => s.toFixed(0)).join(', ')} instructions/request (median ${perRequest[variant].toFixed(0)})`,
    );
  }
  const bare = perRequest.bare;
  if (bare !== undefined)
    for (const variant of variants.filter((v) => v !== 'bare'))
      console.log(
        `  ${framework}/${variant}: +${(perRequest[variant] - bare).toFixed(0)} instructions, ratio bare/variant ${(bare / perRequest[variant]).toFixed(4)}`,
      );
}
