import type { EventGraph } from './graph.js';

/**
 * The difference constraints between clock domains and what follows from them (docs/design.md §6).
 * All times in nanoseconds as float64 holding exact integers.
 * @internal
 */
export interface SkewSolution {
  domainCount: number;
  /** Events per domain. */
  domainEvents: Float64Array;
  /** The reference domain of the component that holds the requested (or busiest) reference. */
  reference: number;
  /** Each domain's reference: the reference of its weakly connected component of the message graph. */
  domainReference: Int32Array;
  /** Tightest bounds of θ(domain) − θ(its reference); ±Infinity when unbounded. */
  low: Float64Array;
  high: Float64Array;
  /** A jointly feasible offset per domain (θ̂), relative to the domain's reference. */
  estimate: Float64Array;
  /** 1 for domains on a negative cycle (their bounds are a best effort). */
  inconsistent: Uint8Array;
  cycles: OffsetCycle[];
  /** One entry per ordered domain pair that exchanged a message: the tightest constraint and its message. */
  pairFrom: Int32Array;
  pairTo: Int32Array;
  pairWeight: Float64Array;
  pairWitnessSend: Int32Array;
  pairWitnessReceive: Int32Array;
  pairMessages: Int32Array;
  /** Pair index of each ordered domain pair (dense, `from * domainCount + to`), or -1; undefined for huge domain counts. */
  pairIndex: (from: number, to: number) => number;
  /**
   * Shortest-path closure of the constraints (after dropping negative cycles): `distance[p * domainCount + q]`
   * is the tightest upper bound of θ_q − θ_p in ns (+Infinity when unbounded).
   */
  distance: Float64Array;
}

/** A negative cycle of difference constraints: no clock offsets explain these messages together. */
export interface OffsetCycle {
  domains: number[];
  /** The message (send event, receive event) giving the tightest constraint of each hop of the cycle. */
  messages: { send: number; receive: number }[];
  /** Sum of the constraint weights around the cycle, negative, in nanoseconds. */
  weight: number;
}

const MAX_REPORTED_CYCLES = 64;

/** Collects the tightest constraint per ordered domain pair, removes negative cycles, bounds and estimates offsets. */
export function solveSkew(
  graph: EventGraph,
  minLatencyNanos: number,
  referenceDomain: number | undefined,
): SkewSolution {
  const domainCount = graph.domainNames.length;
  const { messageFrom, spanNode, nodeDomain, wall, eventCount } = graph;

  const domainEvents = new Float64Array(domainCount);
  for (let span = 0; span < graph.spanCount; span++) domainEvents[nodeDomain[spanNode[span]!]!]! += 2;

  // Tightest constraint θ_Q − θ_P <= wall(b) − wall(a) − μ per ordered pair (P, Q).
  const dense = domainCount <= 2048;
  const denseIndex = dense ? new Int32Array(domainCount * domainCount).fill(-1) : undefined;
  const sparseIndex = dense ? undefined : new Map<number, number>();
  const pairIndex = (from: number, to: number): number => {
    const key = from * domainCount + to;
    return denseIndex !== undefined ? denseIndex[key]! : (sparseIndex!.get(key) ?? -1);
  };
  const from: number[] = [];
  const to: number[] = [];
  const weight: number[] = [];
  const witnessSend: number[] = [];
  const witnessReceive: number[] = [];
  const messages: number[] = [];
  // Within one domain (one clock) a message must not go back in time: 0 <= wall(b) − wall(a). μ is a
  // latency between hosts, so it does not apply here. A violation is a one-domain negative cycle.
  let selfWeight: Float64Array | undefined;
  let selfSend: Int32Array | undefined;
  let selfReceive: Int32Array | undefined;
  for (let receive = 0; receive < eventCount; receive++) {
    const send = messageFrom[receive]!;
    if (send < 0) continue;
    const p = nodeDomain[spanNode[send >> 1]!]!;
    const q = nodeDomain[spanNode[receive >> 1]!]!;
    if (p === q) {
      const delay = wall[receive]! - wall[send]!;
      if (delay < 0 && spanNode[send >> 1] !== spanNode[receive >> 1]) {
        selfWeight ??= new Float64Array(domainCount);
        selfSend ??= new Int32Array(domainCount);
        selfReceive ??= new Int32Array(domainCount);
        if (delay < selfWeight[p]!) {
          selfWeight[p] = delay;
          selfSend[p] = send;
          selfReceive[p] = receive;
        }
      }
      continue;
    }
    const bound = wall[receive]! - wall[send]! - minLatencyNanos;
    const key = p * domainCount + q;
    let index = denseIndex !== undefined ? denseIndex[key]! : (sparseIndex!.get(key) ?? -1);
    if (index < 0) {
      index = from.length;
      if (denseIndex !== undefined) denseIndex[key] = index;
      else sparseIndex!.set(key, index);
      from.push(p);
      to.push(q);
      weight.push(bound);
      witnessSend.push(send);
      witnessReceive.push(receive);
      messages.push(1);
    } else {
      messages[index]!++;
      if (bound < weight[index]!) {
        weight[index] = bound;
        witnessSend[index] = send;
        witnessReceive[index] = receive;
      }
    }
  }
  const pairCount = from.length;
  const pairFrom = Int32Array.from(from);
  const pairTo = Int32Array.from(to);
  const pairWeight = Float64Array.from(weight);
  const active = new Uint8Array(pairCount).fill(1);

  // Negative cycles: Bellman–Ford from a virtual source; drop each cycle's constraints and look again.
  const inconsistent = new Uint8Array(domainCount);
  const cycles: OffsetCycle[] = [];
  if (selfWeight !== undefined) {
    for (let domain = 0; domain < domainCount; domain++) {
      if (selfWeight[domain]! >= 0) continue;
      inconsistent[domain] = 1;
      cycles.push({
        domains: [domain],
        messages: [{ send: selfSend![domain]!, receive: selfReceive![domain]! }],
        weight: selfWeight[domain]!,
      });
    }
  }
  const potential = new Float64Array(domainCount);
  const predecessor = new Int32Array(domainCount);
  for (;;) {
    const relaxed = bellmanFord(domainCount, pairFrom, pairTo, pairWeight, active, potential, predecessor);
    if (relaxed < 0) break;
    const cycle = extractCycle(relaxed, domainCount, pairFrom, predecessor);
    if (cycle.length === 0) {
      // Defensive: no cycle could be walked; drop the last relaxed constraint so the loop ends.
      const pair = predecessor[relaxed]!;
      if (pair < 0) break;
      active[pair] = 0;
      inconsistent[pairTo[pair]!] = 1;
      continue;
    }
    let total = 0;
    for (const pair of cycle) total += pairWeight[pair]!;
    for (const pair of cycle) {
      active[pair] = 0;
      inconsistent[pairFrom[pair]!] = 1;
    }
    if (cycles.length < MAX_REPORTED_CYCLES) {
      cycles.push({
        domains: cycle.map((pair) => pairFrom[pair]!),
        messages: cycle.map((pair) => ({ send: witnessSend[pair]!, receive: witnessReceive[pair]! })),
        weight: total,
      });
    } else {
      // Too many contradictions: stop explaining and drop every constraint touching them.
      for (let pair = 0; pair < pairCount; pair++) {
        if (inconsistent[pairFrom[pair]!] === 1 || inconsistent[pairTo[pair]!] === 1) active[pair] = 0;
      }
    }
  }

  // All-pairs shortest paths (Johnson: potentials make weights non-negative, then Dijkstra per source).
  const distance = allPairs(domainCount, pairFrom, pairTo, pairWeight, active, potential);

  // Components of the message graph (undirected), each with its own reference.
  const parent = new Int32Array(domainCount);
  for (let domain = 0; domain < domainCount; domain++) parent[domain] = domain;
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[x] !== root) {
      const next = parent[x]!;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  for (let pair = 0; pair < pairCount; pair++) parent[find(pairFrom[pair]!)] = find(pairTo[pair]!);
  const busiest = (a: number, b: number): boolean =>
    domainEvents[a]! > domainEvents[b]! ||
    (domainEvents[a] === domainEvents[b] && graph.domainNames[a]! < graph.domainNames[b]!);
  const componentReference = new Map<number, number>();
  for (let domain = 0; domain < domainCount; domain++) {
    const root = find(domain);
    const current = componentReference.get(root);
    if (current === undefined || busiest(domain, current)) componentReference.set(root, domain);
  }
  let reference = -1;
  if (referenceDomain !== undefined) {
    reference = referenceDomain;
    componentReference.set(find(reference), reference);
  } else {
    for (const candidate of componentReference.values()) {
      if (reference < 0 || busiest(candidate, reference)) reference = candidate;
    }
  }
  const domainReference = new Int32Array(domainCount);
  const low = new Float64Array(domainCount);
  const high = new Float64Array(domainCount);
  for (let domain = 0; domain < domainCount; domain++) {
    const base = componentReference.get(find(domain))!;
    domainReference[domain] = base;
    high[domain] = distance[base * domainCount + domain]!;
    low[domain] = 0 - distance[domain * domainCount + base]!;
  }

  // Feasible estimate: fix domains one by one (references first, then the narrowest intervals) to a point of
  // their current interval, then tighten every other interval. Exact for difference constraints.
  const estimate = new Float64Array(domainCount);
  const currentLow = low.slice();
  const currentHigh = high.slice();
  const order = Array.from({ length: domainCount }, (_, domain) => domain);
  const width = (domain: number): number =>
    domainReference[domain] === domain ? -1 : high[domain]! - low[domain]!;
  order.sort((a, b) => width(a) - width(b) || a - b);
  for (const domain of order) {
    const value = pickOffset(currentLow[domain]!, currentHigh[domain]!);
    estimate[domain] = value;
    const row = domain * domainCount;
    for (let other = 0; other < domainCount; other++) {
      if (domainReference[other] !== domainReference[domain]) continue;
      const up = value + distance[row + other]!;
      if (up < currentHigh[other]!) currentHigh[other] = up;
      const down = value - distance[other * domainCount + domain]!;
      if (down > currentLow[other]!) currentLow[other] = down;
    }
  }

  return {
    domainCount,
    domainEvents,
    reference: Math.max(0, reference),
    domainReference,
    low,
    high,
    estimate,
    inconsistent,
    cycles,
    pairFrom,
    pairTo,
    pairWeight,
    pairWitnessSend: Int32Array.from(witnessSend),
    pairWitnessReceive: Int32Array.from(witnessReceive),
    pairMessages: Int32Array.from(messages),
    pairIndex,
    distance,
  };
}

/** The midpoint of a bounded interval (whole nanoseconds), else the point of the interval closest to 0. */
function pickOffset(low: number, high: number): number {
  if (low > high) return Math.floor((low + high) / 2);
  if (Number.isFinite(low) && Number.isFinite(high)) return Math.floor((low + high) / 2);
  return Math.min(Math.max(0, low), high);
}

/** Returns -1 when no negative cycle remains (potential then holds feasible offsets), else a vertex reached from a cycle. */
function bellmanFord(
  count: number,
  from: Int32Array,
  to: Int32Array,
  weight: Float64Array,
  active: Uint8Array,
  potential: Float64Array,
  predecessor: Int32Array,
): number {
  potential.fill(0);
  predecessor.fill(-1);
  let last = -1;
  for (let round = 0; round <= count; round++) {
    last = -1;
    for (let pair = 0; pair < from.length; pair++) {
      if (active[pair] === 0) continue;
      const candidate = potential[from[pair]!]! + weight[pair]!;
      const target = to[pair]!;
      if (candidate < potential[target]!) {
        potential[target] = candidate;
        predecessor[target] = pair;
        last = target;
      }
    }
    if (last < 0) return -1;
  }
  return last;
}

/** Pair indices of a negative cycle, in order, found by walking predecessors from a vertex it reaches. */
function extractCycle(start: number, count: number, from: Int32Array, predecessor: Int32Array): number[] {
  let vertex = start;
  for (let step = 0; step < count; step++) {
    const pair = predecessor[vertex]!;
    if (pair < 0) return [];
    vertex = from[pair]!;
  }
  const cycle: number[] = [];
  let current = vertex;
  do {
    const pair = predecessor[current]!;
    if (pair < 0) return [];
    cycle.push(pair);
    current = from[pair]!;
  } while (current !== vertex && cycle.length <= count);
  return current === vertex ? cycle.reverse() : [];
}

function allPairs(
  count: number,
  from: Int32Array,
  to: Int32Array,
  weight: Float64Array,
  active: Uint8Array,
  potential: Float64Array,
): Float64Array {
  const distance = new Float64Array(count * count).fill(Number.POSITIVE_INFINITY);
  const outStart = new Int32Array(count + 1);
  for (let pair = 0; pair < from.length; pair++) if (active[pair] === 1) outStart[from[pair]! + 1]!++;
  for (let vertex = 0; vertex < count; vertex++) outStart[vertex + 1]! += outStart[vertex]!;
  const outTarget = new Int32Array(outStart[count]!);
  const outWeight = new Float64Array(outStart[count]!);
  const cursor = outStart.slice(0, count);
  for (let pair = 0; pair < from.length; pair++) {
    if (active[pair] === 0) continue;
    const slot = cursor[from[pair]!]!++;
    outTarget[slot] = to[pair]!;
    // Reduced weight, >= 0 because the potential is feasible.
    outWeight[slot] = Math.max(0, weight[pair]! + potential[from[pair]!]! - potential[to[pair]!]!);
  }
  const reduced = new Float64Array(count);
  const done = new Uint8Array(count);
  const heapVertex = new Int32Array(outTarget.length + count + 1);
  const heapKey = new Float64Array(outTarget.length + count + 1);
  for (let source = 0; source < count; source++) {
    reduced.fill(Number.POSITIVE_INFINITY);
    done.fill(0);
    reduced[source] = 0;
    let size = 0;
    const push = (vertex: number, key: number): void => {
      let i = size++;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (heapKey[up]! <= key) break;
        heapKey[i] = heapKey[up]!;
        heapVertex[i] = heapVertex[up]!;
        i = up;
      }
      heapKey[i] = key;
      heapVertex[i] = vertex;
    };
    push(source, 0);
    while (size > 0) {
      const vertex = heapVertex[0]!;
      const key = heapKey[0]!;
      size--;
      const lastKey = heapKey[size]!;
      const lastVertex = heapVertex[size]!;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && heapKey[child + 1]! < heapKey[child]!) child++;
        if (heapKey[child]! >= lastKey) break;
        heapKey[i] = heapKey[child]!;
        heapVertex[i] = heapVertex[child]!;
        i = child;
      }
      heapKey[i] = lastKey;
      heapVertex[i] = lastVertex;
      if (done[vertex] === 1 || key > reduced[vertex]!) continue;
      done[vertex] = 1;
      for (let edge = outStart[vertex]!; edge < outStart[vertex + 1]!; edge++) {
        const target = outTarget[edge]!;
        const candidate = key + outWeight[edge]!;
        if (candidate < reduced[target]!) {
          reduced[target] = candidate;
          push(target, candidate);
        }
      }
    }
    const row = source * count;
    for (let target = 0; target < count; target++) {
      const value = reduced[target]!;
      if (value !== Number.POSITIVE_INFINITY) {
        distance[row + target] = value - potential[source]! + potential[target]!;
      }
    }
  }
  return distance;
}
