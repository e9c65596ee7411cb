import { type Attributes, SpanKind, type SpanRecord } from '@tickline/otlp';

/** Deterministic pseudo-random numbers (mulberry32) so generated executions are reproducible. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE_NANOS = 1_763_780_000_000_000_000n;

function hex(value: number, length: number): string {
  return value.toString(16).padStart(length, '0');
}

/** Builds spans by hand: one span per call, ids numbered in order. */
export class SpanFactory {
  readonly spans: SpanRecord[] = [];
  readonly #resources = new Map<string, Attributes>();

  resource(service: string, host?: string): Attributes {
    const key = `${service}@${host ?? ''}`;
    let resource = this.#resources.get(key);
    if (resource === undefined) {
      resource = { 'service.name': service };
      if (host !== undefined) resource['host.name'] = host;
      this.#resources.set(key, resource);
    }
    return resource;
  }

  /** Adds a span; times in ns relative to a fixed base. Returns its span id. */
  add(span: {
    kind: SpanKind;
    node?: string;
    service?: string;
    host?: string;
    startClock?: number;
    endClock?: number;
    startNanos: number;
    endNanos: number;
    recv?: { node: string; clock: number };
    startMicros?: number;
    endMicros?: number;
    parentSpanId?: string;
    traceId?: string;
    spanId?: string;
    name?: string;
  }): string {
    const spanId = span.spanId ?? hex(this.spans.length + 1, 16);
    const attributes: Attributes = {};
    if (span.node !== undefined) attributes['lamport.node'] = span.node;
    if (span.startClock !== undefined) attributes['lamport.start'] = span.startClock;
    if (span.endClock !== undefined) attributes['lamport.end'] = span.endClock;
    if (span.recv !== undefined) {
      attributes['lamport.recv.node'] = span.recv.node;
      attributes['lamport.recv.clock'] = span.recv.clock;
    }
    if (span.startMicros !== undefined) attributes['lamport.start.time_us'] = span.startMicros;
    if (span.endMicros !== undefined) attributes['lamport.end.time_us'] = span.endMicros;
    this.spans.push({
      traceId: span.traceId ?? hex(1, 32),
      spanId,
      parentSpanId: span.parentSpanId,
      name: span.name ?? `span-${this.spans.length + 1}`,
      kind: span.kind,
      startTimeUnixNano: BASE_NANOS + BigInt(Math.round(span.startNanos)),
      endTimeUnixNano: BASE_NANOS + BigInt(Math.round(span.endNanos)),
      attributes,
      resource: this.resource(span.service ?? span.node?.split('/')[0] ?? 'svc', span.host ?? span.node),
    });
    return spanId;
  }
}

/** Microseconds since the epoch of a time given in ns relative to the factory's base. */
export function micros(relativeNanos: number): number {
  return Number(BASE_NANOS / 1000n) + Math.round(relativeNanos / 1000);
}

/** A generated execution of client/server calls with known true clock offsets. */
export interface GeneratedExecution {
  spans: SpanRecord[];
  /** True offset θ of each host in ns (host clock = true time + θ). */
  offsets: Map<string, number>;
  /** Each message as (send event id, receive event id, raw wall send, raw wall receive, true delay). */
  messages: { from: string; to: string; sendWall: number; receiveWall: number }[];
  hosts: string[];
}

/**
 * Random RPCs between nodes on skewed hosts, simulated in true-time order so every node's Lamport clock
 * follows IR1/IR2. Latencies are at least `minLatencyNanos`; server replies carry `lamport.end.time_us`.
 */
export function generateExecution(
  seed: number,
  options: {
    nodes?: number;
    hosts?: number;
    calls?: number;
    maxOffsetNanos?: number;
    minLatencyNanos?: number;
  } = {},
): GeneratedExecution {
  const next = random(seed);
  const nodeCount = options.nodes ?? 6;
  const hostCount = Math.min(options.hosts ?? 3, nodeCount);
  const calls = options.calls ?? 40;
  const maxOffset = options.maxOffsetNanos ?? 5_000_000;
  const minLatency = options.minLatencyNanos ?? 100_000;
  const hosts = Array.from({ length: hostCount }, (_, i) => `host-${i}`);
  const offsets = new Map(
    hosts.map((host) => [host, Math.round(((next() * 2 - 1) * maxOffset) / 1000) * 1000]),
  );
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    name: `svc${i}/${hex(i, 8)}`,
    host: hosts[i % hostCount]!,
    clock: 0,
  }));
  type Step = { time: number; call: number; step: 0 | 1 | 2 | 3 };
  const plans: { client: number; server: number; times: number[] }[] = [];
  const steps: Step[] = [];
  for (let call = 0; call < calls; call++) {
    const client = Math.floor(next() * nodeCount);
    let server = Math.floor(next() * (nodeCount - 1));
    if (server >= client) server++;
    const sendTime = Math.round(next() * 200_000) * 1000;
    const receiveTime = sendTime + minLatency + Math.round(next() * 3000) * 1000;
    const replyTime = receiveTime + Math.round(next() * 2000) * 1000 + 1000;
    const doneTime = replyTime + minLatency + Math.round(next() * 3000) * 1000;
    plans.push({ client, server, times: [sendTime, receiveTime, replyTime, doneTime] });
    for (const step of [0, 1, 2, 3] as const) steps.push({ time: plans[call]!.times[step]!, call, step });
  }
  steps.sort((a, b) => a.time - b.time || a.call - b.call || a.step - b.step);
  const clocks = plans.map(() => [0, 0, 0, 0]);
  for (const { call, step } of steps) {
    const plan = plans[call]!;
    const node = nodes[step === 0 || step === 3 ? plan.client : plan.server]!;
    const remote = step === 1 ? clocks[call]![0]! : step === 3 ? clocks[call]![2]! : 0;
    node.clock = Math.max(node.clock, remote) + 1;
    clocks[call]![step] = node.clock;
  }
  const factory = new SpanFactory();
  const messages: GeneratedExecution['messages'] = [];
  const wallOf = (nodeIndex: number, time: number): number => time + offsets.get(nodes[nodeIndex]!.host)!;
  plans.forEach((plan, call) => {
    const client = nodes[plan.client]!;
    const server = nodes[plan.server]!;
    const [sendTime, receiveTime, replyTime, doneTime] = plan.times as [number, number, number, number];
    const clock = clocks[call]! as [number, number, number, number];
    const traceId = hex(call + 1, 32);
    const clientId = factory.add({
      kind: SpanKind.CLIENT,
      node: client.name,
      host: client.host,
      startClock: clock[0],
      endClock: clock[3],
      startNanos: wallOf(plan.client, sendTime),
      endNanos: wallOf(plan.client, doneTime),
      recv: { node: server.name, clock: clock[2] },
      traceId,
    });
    const serverId = factory.add({
      kind: SpanKind.SERVER,
      node: server.name,
      host: server.host,
      startClock: clock[1],
      endClock: clock[2],
      startNanos: wallOf(plan.server, receiveTime),
      // The span ends after the reply was sent; the reply moment is in lamport.end.time_us.
      endNanos: wallOf(plan.server, replyTime) + 5_000_000,
      endMicros: micros(wallOf(plan.server, replyTime)),
      recv: { node: client.name, clock: clock[0] },
      parentSpanId: clientId,
      traceId,
    });
    messages.push({
      from: `${clientId}:start`,
      to: `${serverId}:start`,
      sendWall: wallOf(plan.client, sendTime),
      receiveWall: wallOf(plan.server, receiveTime),
    });
    messages.push({
      from: `${serverId}:end`,
      to: `${clientId}:end`,
      sendWall: wallOf(plan.server, replyTime),
      receiveWall: wallOf(plan.client, doneTime),
    });
  });
  return { spans: factory.spans, offsets, messages, hosts };
}
