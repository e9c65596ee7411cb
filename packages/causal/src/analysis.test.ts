import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeOtlpJson, SpanKind } from '@tickline/otlp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from './analysis.js';
import { toAnalysisJson } from './json.js';
import { generateExecution, random, SpanFactory } from './test-executions.js';

const MS = 1e6;

/**
 * Lamport's Figure 1: processes P, Q, R; each of the paper's events is the start of one span
 * (PRODUCER = send, CONSUMER = receive, INTERNAL = local); the span's end is a local event after it.
 * Messages: p1→q2, q1→p2, q4→r3, r2→q5, q6→p4.
 */
function figureOne() {
  const factory = new SpanFactory();
  const clock = { P: 0, Q: 0, R: 0 };
  const sent = new Map<string, { node: string; clock: number }>();
  const ids = new Map<string, string>();
  let time = 0;
  const event = (
    process: 'P' | 'Q' | 'R',
    name: string,
    action: 'local' | 'send' | 'receive',
    message?: string,
  ) => {
    const node = `${process.toLowerCase()}/0000000${'PQR'.indexOf(process)}`;
    let recv: { node: string; clock: number } | undefined;
    if (action === 'receive') recv = sent.get(message!)!;
    clock[process] = Math.max(clock[process], recv?.clock ?? 0) + 1;
    const start = clock[process];
    clock[process] += 1;
    const kind =
      action === 'send' ? SpanKind.PRODUCER : action === 'receive' ? SpanKind.CONSUMER : SpanKind.INTERNAL;
    time += 1000;
    const spanId = factory.add({
      kind,
      node,
      host: process,
      startClock: start,
      endClock: clock[process],
      startNanos: time,
      endNanos: time + 10,
      recv,
      name,
    });
    if (action === 'send') sent.set(message!, { node, clock: start });
    ids.set(name, `${spanId}:start`);
  };
  event('P', 'p1', 'send', 'p1q2');
  event('Q', 'q1', 'send', 'q1p2');
  event('P', 'p2', 'receive', 'q1p2');
  event('Q', 'q2', 'receive', 'p1q2');
  event('R', 'r1', 'local');
  event('Q', 'q3', 'local');
  event('P', 'p3', 'local');
  event('R', 'r2', 'send', 'r2q5');
  event('Q', 'q4', 'send', 'q4r3');
  event('R', 'r3', 'receive', 'q4r3');
  event('Q', 'q5', 'receive', 'r2q5');
  event('R', 'r4', 'local');
  event('Q', 'q6', 'send', 'q6p4');
  event('Q', 'q7', 'local');
  event('P', 'p4', 'receive', 'q6p4');
  return { spans: factory.spans, id: (name: string) => ids.get(name)! };
}

describe("Lamport's Figure 1", () => {
  it('p1 → r4 holds, p3 and q3 are concurrent', () => {
    const { spans, id } = figureOne();
    const analysis = analyze(spans);
    expect(analysis.happenedBefore(id('p1'), id('r4'))).toBe(true);
    expect(analysis.happenedBefore(id('r4'), id('p1'))).toBe(false);
    expect(analysis.concurrent(id('p3'), id('q3'))).toBe(true);
    expect(analysis.happenedBefore(id('q1'), id('p3'))).toBe(true);
    expect(analysis.concurrent(id('r1'), id('p1'))).toBe(true);
    expect(analysis.summary).toMatchObject({ spans: 15, events: 30, nodes: 3, messages: 5, dangling: 0 });
    expect(analysis.anomalies).toEqual([]);
    expect(analysis.consistent).toBe(true);
  });

  it('gives vector timestamps, causal past and future, and consistent cuts', () => {
    const { spans, id } = figureOne();
    const analysis = analyze(spans);
    // r4's past: p1 (P's 1st event), q1..q4 (Q's events 1..7 by span events: q4 is Q's 7th), r1..r4.
    expect(analysis.vectorTimestamp(id('r4'))).toEqual({ 'r/00000002': 7, 'q/00000001': 7, 'p/00000000': 1 });
    const past = new Set(analysis.causalPast(id('r4')).map((event) => analysis.eventId(event)));
    expect(past.has(id('p1'))).toBe(true);
    expect(past.has(id('p2'))).toBe(false);
    const future = new Set(analysis.causalFuture(id('q1')).map((event) => analysis.eventId(event)));
    expect(future.has(id('p2'))).toBe(true);
    expect(future.has(id('p4'))).toBe(true);
    expect(future.has(id('r1'))).toBe(false);
    // Q's first 3 events (q1, its end, q2) need P's p1 (1 event): consistent only when it is included.
    expect(analysis.isConsistentCut({ 'q/00000001': 3, 'p/00000000': 1 })).toBe(true);
    expect(analysis.isConsistentCut({ 'q/00000001': 3 })).toBe(false);
  });

  it('orders events totally by clock, then node id (⇒ extends →)', () => {
    const { spans } = figureOne();
    const analysis = analyze(spans);
    const order = analysis.totalOrder();
    expect(order.length).toBe(analysis.eventCount);
    for (let i = 0; i < order.length; i++) {
      for (let j = i + 1; j < order.length; j += 7) {
        expect(analysis.happenedBefore(order[j]!, order[i]!)).toBe(false);
      }
    }
  });
});

describe('random executions with known clock offsets', () => {
  it('bounds contain the truth, correction removes backwards messages, backwards set is exact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 80 }),
        fc.constantFrom(0, 0.05, 0.1),
        (seed, nodes, hosts, calls, minLatencyMs) => {
          const execution = generateExecution(seed, { nodes, hosts, calls, minLatencyNanos: 100_000 });
          const analysis = analyze(execution.spans, { minLatencyMs });
          expect(analysis.consistent).toBe(true);
          expect(analysis.summary.messages).toBe(2 * calls);

          const reference = analysis.reference;
          for (const offset of analysis.offsets) {
            const truth =
              (execution.offsets.get(offset.domain)! - execution.offsets.get(offset.reference)!) / MS;
            if (offset.lowMs !== null) expect(offset.lowMs).toBeLessThanOrEqual(truth + 1e-9);
            if (offset.highMs !== null) expect(offset.highMs).toBeGreaterThanOrEqual(truth - 1e-9);
            if (offset.lowMs !== null) expect(offset.estimateMs).toBeGreaterThanOrEqual(offset.lowMs - 1e-9);
            if (offset.highMs !== null) expect(offset.estimateMs).toBeLessThanOrEqual(offset.highMs + 1e-9);
            if (offset.domain === reference) expect(offset.estimateMs).toBe(0);
          }

          const backwards = new Set(
            analysis.anomalies.filter((a) => a.kind === 'backwards-message').map((a) => `${a.from}>${a.to}`),
          );
          const expected = new Set(
            execution.messages.filter((m) => m.receiveWall < m.sendWall).map((m) => `${m.from}>${m.to}`),
          );
          expect(backwards).toEqual(expected);

          for (const message of execution.messages) {
            const from = analysis.event(message.from);
            const to = analysis.event(message.to);
            expect(analysis.happenedBefore(message.from, message.to)).toBe(true);
            expect(BigInt(to.wallNanos) - BigInt(from.wallNanos)).toBe(
              BigInt(message.receiveWall - message.sendWall),
            );
            if (from.domain !== to.domain) {
              const truth = (execution.offsets.get(to.domain)! - execution.offsets.get(from.domain)!) / MS;
              const bounds = analysis.messageOffsetBounds(message.from, message.to);
              expect(bounds.highMs!).toBeLessThanOrEqual(
                (message.receiveWall - message.sendWall) / MS - minLatencyMs + 1e-9,
              );
              expect(bounds.highMs!).toBeGreaterThanOrEqual(truth - 1e-9);
              if (bounds.lowMs !== null) expect(bounds.lowMs).toBeLessThanOrEqual(truth + 1e-9);
              expect(to.correctedNanos - from.correctedNanos).toBeGreaterThanOrEqual(
                BigInt(Math.round(minLatencyMs * MS)),
              );
            }
          }
          expect(analysis.anomalyCounts['clock-condition-violation']).toBe(0);
          expect(analysis.anomalyCounts['local-clock-regression']).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it('a client/server round trip alone gives the NTP interval [ss − cr, sr − cs]', () => {
    const factory = new SpanFactory();
    // Client on host C sends at 0, server on host S (8 ms ahead) receives at 1 + 8, replies at 3 + 8, client gets it at 4.
    const client = factory.add({
      kind: SpanKind.CLIENT,
      node: 'c/1',
      host: 'C',
      startClock: 1,
      endClock: 4,
      startNanos: 0,
      endNanos: 4 * MS,
      recv: { node: 's/1', clock: 3 },
    });
    factory.add({
      kind: SpanKind.SERVER,
      node: 's/1',
      host: 'S',
      startClock: 2,
      endClock: 3,
      startNanos: 9 * MS,
      endNanos: 11 * MS,
      recv: { node: 'c/1', clock: 1 },
      parentSpanId: client,
    });
    const analysis = analyze(factory.spans, { referenceDomain: 'C' });
    const server = analysis.offsets.find((offset) => offset.domain === 'S')!;
    expect(server).toMatchObject({ reference: 'C', lowMs: 7, highMs: 9, estimateMs: 8, consistent: true });
    const tighter = analyze(factory.spans, { referenceDomain: 'C', minLatencyMs: 0.5 });
    expect(tighter.offsets.find((offset) => offset.domain === 'S')).toMatchObject({
      lowMs: 7.5,
      highMs: 8.5,
    });
    expect(analysis.physical).toMatchObject({ diameter: 1, stronglyConnected: true, minimumDelayMs: 1 });
  });
});

describe('anomalies', () => {
  it('reports a negative cycle as inconsistent-offsets naming its domains', () => {
    const factory = new SpanFactory();
    // A → B stamped 5 ms "early" and B → A stamped 5 ms "early" too: no offset explains both.
    factory.add({
      kind: SpanKind.PRODUCER,
      node: 'a/1',
      host: 'A',
      startClock: 1,
      endClock: 2,
      startNanos: 10 * MS,
      endNanos: 10 * MS,
    });
    factory.add({
      kind: SpanKind.CONSUMER,
      node: 'b/1',
      host: 'B',
      startClock: 3,
      endClock: 4,
      startNanos: 5 * MS,
      endNanos: 5 * MS,
      recv: { node: 'a/1', clock: 1 },
    });
    factory.add({
      kind: SpanKind.PRODUCER,
      node: 'b/1',
      host: 'B',
      startClock: 5,
      endClock: 6,
      startNanos: 20 * MS,
      endNanos: 20 * MS,
    });
    factory.add({
      kind: SpanKind.CONSUMER,
      node: 'a/1',
      host: 'A',
      startClock: 7,
      endClock: 8,
      startNanos: 15 * MS,
      endNanos: 15 * MS,
      recv: { node: 'b/1', clock: 5 },
    });
    const analysis = analyze(factory.spans);
    expect(analysis.consistent).toBe(false);
    const cycle = analysis.anomalies.find((anomaly) => anomaly.kind === 'inconsistent-offsets')!;
    expect(cycle.magnitudeMs).toBe(10);
    expect([...cycle.cycle!].sort()).toEqual(['A', 'B']);
    expect(cycle.messages).toHaveLength(2);
    expect(analysis.anomalyCounts).toMatchObject({ 'backwards-message': 2, 'inconsistent-offsets': 1 });
    expect(analysis.offsets.every((offset) => offset.consistent === false)).toBe(true);
  });

  it('a backwards message between two nodes of one host is inconsistent: they share a clock', () => {
    const factory = new SpanFactory();
    factory.add({
      kind: SpanKind.PRODUCER,
      node: 'a/1',
      host: 'H',
      startClock: 1,
      endClock: 2,
      startNanos: 10 * MS,
      endNanos: 10 * MS,
    });
    factory.add({
      kind: SpanKind.CONSUMER,
      node: 'b/1',
      host: 'H',
      startClock: 3,
      endClock: 4,
      startNanos: 8 * MS,
      endNanos: 9 * MS,
      recv: { node: 'a/1', clock: 1 },
    });
    const analysis = analyze(factory.spans, { minLatencyMs: 1 });
    expect(analysis.anomalies).toMatchObject([
      { kind: 'backwards-message', magnitudeMs: 2 },
      { kind: 'inconsistent-offsets', magnitudeMs: 2, cycle: ['H'] },
    ]);
    expect(analysis.consistent).toBe(false);
    // 0.5 ms forward on one host is fine even with μ = 1 ms: μ is the latency between hosts.
    factory.spans[1]!.startTimeUnixNano = factory.spans[0]!.startTimeUnixNano + 500_000n;
    expect(analyze(factory.spans, { minLatencyMs: 1 }).consistent).toBe(true);
  });

  it('flags local clock regressions and clock-condition violations with magnitudes', () => {
    const factory = new SpanFactory();
    factory.add({
      kind: SpanKind.INTERNAL,
      node: 'a/1',
      startClock: 1,
      endClock: 2,
      startNanos: 10 * MS,
      endNanos: 11 * MS,
    });
    factory.add({
      kind: SpanKind.PRODUCER,
      node: 'a/1',
      startClock: 3,
      endClock: 4,
      startNanos: 8 * MS,
      endNanos: 9 * MS,
    });
    // b's receive clock 2 is not above the sender's 3: the hop did not merge the clock.
    factory.add({
      kind: SpanKind.CONSUMER,
      node: 'b/1',
      startClock: 2,
      endClock: 5,
      startNanos: 12 * MS,
      endNanos: 13 * MS,
      recv: { node: 'a/1', clock: 3 },
    });
    const analysis = analyze(factory.spans);
    expect(analysis.anomalies).toEqual([
      {
        kind: 'local-clock-regression',
        from: '0000000000000001:end',
        to: '0000000000000002:start',
        magnitudeMs: 3,
        edge: 'process',
      },
      {
        kind: 'clock-condition-violation',
        from: '0000000000000002:start',
        to: '0000000000000003:start',
        magnitudeMs: 0,
        edge: 'message',
        clockDelta: 2,
      },
    ]);
    expect(analysis.consistent).toBe(false);
  });
});

describe('odd but valid input never throws', () => {
  it('handles no spans, spans without Tickline attributes, duplicates, unknown senders, equal clocks', () => {
    expect(analyze([]).summary).toMatchObject({ spans: 0, events: 0, nodes: 0 });
    expect(toAnalysisJson(analyze([]))).toMatchObject({ events: [], edges: [], consistent: true });

    const factory = new SpanFactory();
    const client = factory.add({
      kind: SpanKind.CLIENT,
      service: 'web',
      host: 'h1',
      startNanos: 0,
      endNanos: 10 * MS,
    });
    factory.add({
      kind: SpanKind.SERVER,
      service: 'api',
      host: 'h2',
      startNanos: 2 * MS,
      endNanos: 8 * MS,
      parentSpanId: client,
    });
    factory.add({
      kind: SpanKind.CONSUMER,
      node: 'c/1',
      startClock: 5,
      endClock: 6,
      startNanos: 0,
      endNanos: 1,
      recv: { node: 'gone/1', clock: 3 },
    });
    factory.add({
      kind: SpanKind.INTERNAL,
      node: 'c/1',
      startClock: 6,
      endClock: 7,
      startNanos: 2,
      endNanos: 3,
    });
    factory.spans.push({ ...factory.spans[3]! });
    factory.add({
      kind: SpanKind.INTERNAL,
      node: 'c/1',
      startClock: 9,
      endClock: 10,
      startNanos: 5,
      endNanos: 6,
      spanId: factory.spans[3]!.spanId,
      traceId: 'f'.repeat(32),
    });
    const analysis = analyze(factory.spans);
    expect(analysis.summary).toMatchObject({
      spans: 5,
      duplicateSpans: 1,
      spansWithoutClock: 2,
      fallbackMessages: 2,
      dangling: 1,
    });
    expect(analysis.danglingMessages).toEqual([
      { to: '0000000000000003:start', senderNode: 'gone/1', senderClock: 3 },
    ]);
    expect(analysis.happenedBefore(`${client}:start`, `${client}:end`)).toBe(true);
    expect(analysis.happenedBefore('0000000000000002:start', `${client}:end`)).toBe(true);
    expect(analysis.anomalyCounts['clock-condition-violation']).toBe(1);
    expect(analysis.eventIndex('0000000000000004~2:end')).toBe(9);
    const json = toAnalysisJson(analysis);
    expect(json.events).toHaveLength(10);
    expect(json.edges.filter((edge) => edge.fallback)).toHaveLength(2);
    expect(json.events.find((event) => event.spanId === client)).toMatchObject({
      clock: null,
      node: 'otel:web@h1',
      kind: 'send',
    });
  });

  it('never throws on random, partly malformed Tickline attributes', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 12 }),
      fc.constantFrom(2 ** 53, 1.5, Number.NaN, '7', '', null, true, 'n0/0', 'n1/0', 'n9/0'),
    );
    const span = fc.record({
      kind: fc.integer({ min: 0, max: 6 }),
      node: fc.constantFrom('n0/0', 'n1/0', 'n2/0', undefined, 7),
      start: value,
      end: value,
      recvNode: fc.option(value),
      recvClock: fc.option(value),
      startMicros: fc.option(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant('x'))),
      id: fc.integer({ min: 1, max: 12 }),
      parent: fc.option(fc.integer({ min: 1, max: 12 })),
      trace: fc.integer({ min: 1, max: 2 }),
      host: fc.constantFrom('h1', 'h2', undefined),
      startNanos: fc.integer({ min: 0, max: 1000 }),
      duration: fc.integer({ min: -5, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(span, { maxLength: 30 }), fc.constantFrom(0, 0.001, 3), (rows, minLatencyMs) => {
        const factory = new SpanFactory();
        for (const row of rows) {
          factory.add({
            kind: row.kind as SpanKind,
            host: row.host,
            service: 'svc',
            startNanos: row.startNanos * 1000,
            endNanos: (row.startNanos + row.duration) * 1000,
            spanId: row.id.toString(16).padStart(16, '0'),
            traceId: row.trace.toString(16).padStart(32, '0'),
            parentSpanId: row.parent === null ? undefined : row.parent.toString(16).padStart(16, '0'),
          });
          const attributes = factory.spans.at(-1)!.attributes;
          if (row.node !== undefined) attributes['lamport.node'] = row.node;
          attributes['lamport.start'] = row.start;
          attributes['lamport.end'] = row.end;
          if (row.recvNode !== null) attributes['lamport.recv.node'] = row.recvNode;
          if (row.recvClock !== null) attributes['lamport.recv.clock'] = row.recvClock;
          if (row.startMicros !== null) attributes['lamport.start.time_us'] = row.startMicros;
        }
        const analysis = analyze(factory.spans, { minLatencyMs });
        const summary = analysis.summary;
        expect(summary.events).toBe(2 * summary.spans);
        expect(summary.spans + summary.duplicateSpans).toBe(rows.length);
        const json = toAnalysisJson(analysis);
        expect(json.events).toHaveLength(summary.events);
        for (const offset of json.offsets) {
          if (offset.consistent && offset.lowMs !== null && offset.highMs !== null) {
            expect(offset.lowMs).toBeLessThanOrEqual(offset.highMs + 1e-9);
          }
        }
        for (const anomaly of json.anomalies) {
          expect(analysis.eventIndex(anomaly.from)).toBeTypeOf('number');
          expect(analysis.eventIndex(anomaly.to)).toBeTypeOf('number');
        }
        if (summary.events > 1) {
          analysis.happenedBefore(0, summary.events - 1);
          analysis.vectorTimestamp(summary.events - 1);
          analysis.causalFuture(0);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('rejects bad options with a message that says how to fix them', () => {
    expect(() => analyze([], { minLatencyMs: -1 })).toThrow(/@tickline\/causal: minLatencyMs/);
    expect(analyze(figureOne().spans, { referenceDomain: 'nowhere' }).warnings[0]).toMatch(/nowhere/);
  });
});

describe('reachability against a naive search on random DAGs', () => {
  /** A random message-passing execution of PRODUCER/CONSUMER/INTERNAL spans, with its own adjacency lists. */
  function randomExecution(seed: number, nodeCount: number, spanCount: number) {
    const next = random(seed);
    const factory = new SpanFactory();
    const clocks = new Array<number>(nodeCount).fill(0);
    const last = new Array<string | undefined>(nodeCount).fill(undefined);
    const successors = new Map<string, string[]>();
    const edge = (from: string, to: string) => {
      const list = successors.get(from) ?? [];
      list.push(to);
      successors.set(from, list);
    };
    const sends: { node: number; clock: number; id: string }[] = [];
    for (let i = 0; i < spanCount; i++) {
      const node = Math.floor(next() * nodeCount);
      const roll = next();
      const name = `n${node}/0`;
      let recv: (typeof sends)[number] | undefined;
      let kind: SpanKind = SpanKind.INTERNAL;
      if (roll < 0.35) kind = SpanKind.PRODUCER;
      else if (roll < 0.75 && sends.length > 0) {
        kind = SpanKind.CONSUMER;
        recv = sends[Math.floor(next() * sends.length)]!;
      }
      const start = Math.max(clocks[node]!, recv?.clock ?? 0) + 1;
      const end = start + 1;
      clocks[node] = end;
      // Wall times are random: reachability must not depend on them.
      const id = factory.add({
        kind,
        node: name,
        startClock: start,
        endClock: end,
        startNanos: Math.floor(next() * 1e9),
        endNanos: Math.floor(next() * 1e9),
        recv: recv === undefined ? undefined : { node: `n${recv.node}/0`, clock: recv.clock },
      });
      if (last[node] !== undefined) edge(last[node]!, `${id}:start`);
      edge(`${id}:start`, `${id}:end`);
      last[node] = `${id}:end`;
      if (recv !== undefined) edge(recv.id, `${id}:start`);
      if (kind === SpanKind.PRODUCER) sends.push({ node, clock: start, id: `${id}:start` });
    }
    const closure = new Map<string, Set<string>>();
    const reachable = (from: string, to: string): boolean => {
      let seen = closure.get(from);
      if (seen === undefined) {
        seen = new Set<string>();
        const stack = [from];
        while (stack.length > 0) {
          for (const successor of successors.get(stack.pop()!) ?? []) {
            if (!seen.has(successor)) {
              seen.add(successor);
              stack.push(successor);
            }
          }
        }
        closure.set(from, seen);
      }
      return seen.has(to);
    };
    return { spans: factory.spans, reachable };
  }

  it('happenedBefore, concurrent, causal past/future and vector timestamps agree with BFS', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 40 }),
        (seed, nodeCount, spanCount) => {
          const { spans, reachable } = randomExecution(seed, nodeCount, spanCount);
          const analysis = analyze(spans);
          // Random wall times may contradict each other (offsets), never the clocks.
          expect(analysis.summary.acyclic).toBe(true);
          expect(analysis.anomalyCounts['clock-condition-violation']).toBe(0);
          const ids = Array.from({ length: analysis.eventCount }, (_, i) => analysis.eventId(i));
          const nodeOf = Array.from({ length: analysis.eventCount }, (_, i) => analysis.event(i).node);
          for (let a = 0; a < ids.length; a++) {
            const past = new Set(analysis.causalPast(a));
            const future = new Set(analysis.causalFuture(a));
            const vector = analysis.vectorTimestamp(a);
            const expectedVector: Record<string, number> = {};
            for (let b = 0; b < ids.length; b++) {
              const expected = reachable(ids[a]!, ids[b]!);
              expect(analysis.happenedBefore(a, b)).toBe(expected);
              expect(future.has(b)).toBe(expected);
              expect(past.has(b)).toBe(reachable(ids[b]!, ids[a]!));
              if (a !== b) expect(analysis.concurrent(a, b)).toBe(!expected && !reachable(ids[b]!, ids[a]!));
              if (b === a || past.has(b)) {
                expectedVector[nodeOf[b]!] = (expectedVector[nodeOf[b]!] ?? 0) + 1;
              }
            }
            expect(vector).toEqual(expectedVector);
          }
        },
      ),
      { numRuns: 50 },
    );
  }, 60_000);

  it('agrees with BFS over the edges when clocks are random (cycles, clock-condition violations)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 25 }),
        (seed, nodeCount, spanCount) => {
          const next = random(seed);
          const factory = new SpanFactory();
          for (let i = 0; i < spanCount; i++) {
            const node = Math.floor(next() * nodeCount);
            const consumer = next() < 0.5;
            const start = Math.floor(next() * 20);
            factory.add({
              kind: consumer ? SpanKind.CONSUMER : SpanKind.PRODUCER,
              node: `n${node}/0`,
              startClock: start,
              endClock: start + Math.floor(next() * 3),
              startNanos: 0,
              endNanos: 0,
              recv: consumer
                ? { node: `n${Math.floor(next() * nodeCount)}/0`, clock: Math.floor(next() * 20) }
                : undefined,
            });
          }
          const analysis = analyze(factory.spans);
          const json = toAnalysisJson(analysis);
          const successors = new Map<string, string[]>();
          for (const edge of json.edges)
            successors.set(edge.from, [...(successors.get(edge.from) ?? []), edge.to]);
          for (const from of json.events) {
            const seen = new Set<string>();
            const stack = [from.id];
            while (stack.length > 0) {
              for (const successor of successors.get(stack.pop()!) ?? []) {
                if (!seen.has(successor)) {
                  seen.add(successor);
                  stack.push(successor);
                }
              }
            }
            const future = new Set(analysis.causalFuture(from.id).map((event) => analysis.eventId(event)));
            for (const to of json.events) {
              if (to.id === from.id) continue;
              expect(analysis.happenedBefore(from.id, to.id)).toBe(seen.has(to.id));
              expect(future.has(to.id)).toBe(seen.has(to.id));
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});

const threeServices = fileURLToPath(new URL('../../../fixtures/three-services.otlp.json', import.meta.url));

describe('the three-services fixture', () => {
  it('has no clock-condition violations', () => {
    const { spans } = decodeOtlpJson(readFileSync(threeServices, 'utf8'));
    expect(spans.length).toBeGreaterThan(0);
    const analysis = analyze(spans);
    expect(analysis.anomalyCounts['clock-condition-violation']).toBe(0);
    expect(analysis.summary.messages).toBeGreaterThan(0);
  });
});
