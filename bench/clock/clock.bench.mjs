// bench/clock: cost of one hop of the Lamport header (parse + merge + format), next to
// OpenTelemetry's W3CTraceContextPropagator extract + inject measured in the same run.
// Run: pnpm --filter @tickline/clock build && node bench/clock/clock.bench.mjs
import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { LamportClock, parseClockHeader } from '@tickline/clock';

const ITERATIONS = 2_000_000;
const ROUNDS = 7;

function measure(label, fn) {
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    fn(ITERATIONS);
    samples.push(Number(process.hrtime.bigint() - started) / ITERATIONS);
  }
  samples.sort((a, b) => a - b);
  return { label, nsPerCall: samples[Math.floor(ROUNDS / 2)] };
}

const clock = new LamportClock({ node: 'orders/7f3c2a1b' });
const peer = new LamportClock({ node: 'payments/0a1b2c3d' });
let sink = 0;

// Headers as they arrive from the wire: flat strings decoded from bytes, one per message.
const incomingLamport = Array.from({ length: 1024 }, () =>
  Buffer.from(peer.send().header).toString('latin1'),
);

function lamportHop(n) {
  for (let i = 0; i < n; i++) {
    const parsed = parseClockHeader(incomingLamport[i & 1023]);
    if (parsed.ok) clock.tryReceive(parsed.clock);
    const header = clock.formatHeader(clock.tick());
    sink += header.length;
  }
}

const w3c = new W3CTraceContextPropagator();
const incoming = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
function w3cHop(n) {
  for (let i = 0; i < n; i++) {
    const extracted = w3c.extract(ROOT_CONTEXT, incoming, defaultTextMapGetter);
    const carrier = {};
    w3c.inject(extracted, carrier, defaultTextMapSetter);
    sink += carrier.traceparent.length;
  }
}

// Warm up both paths before measuring.
lamportHop(200_000);
w3cHop(200_000);
const results = [];
for (let i = 0; i < 2; i++)
  results.push(measure('w3c extract+inject', w3cHop), measure('lamport parse+merge+format', lamportHop));
const w3cNs = Math.min(...results.filter((r) => r.label.startsWith('w3c')).map((r) => r.nsPerCall));
const lamportNs = Math.min(...results.filter((r) => r.label.startsWith('lamport')).map((r) => r.nsPerCall));
console.log(`W3C traceparent extract + inject : ${w3cNs.toFixed(1)} ns/hop`);
console.log(`lamport parse + merge + format   : ${lamportNs.toFixed(1)} ns/hop`);
console.log(`ratio lamport / W3C              : ${(lamportNs / w3cNs).toFixed(3)} (target <= 0.10)`);
if (sink === 0) console.log(context, trace);
