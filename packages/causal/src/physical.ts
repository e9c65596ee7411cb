import type { EventGraph } from './graph.js';
import type { SkewSolution } from './skew.js';

/**
 * Lamport's physical-clock view (§4 of the paper, condition PC1/PC2 and the bound on clock divergence),
 * measured on one analysis. Communication edges are ordered pairs of clock domains; delays are taken
 * from corrected times (raw wall time minus the estimated offset), so that offsets do not pass for delay.
 */
export interface PhysicalClockView {
  /** κ: the assumed bound on the clocks' drift rate (dimensionless; 1e-6 = 1 ppm). */
  driftRate: number;
  /** μ: the smallest observed one-way delay of a message between domains, corrected times, in ms. */
  minimumDelayMs: number | null;
  /** ξ: the unpredictable delay, the largest spread (max − min delay) on one communication edge, in ms. */
  unpredictableDelayMs: number | null;
  /** τ: the longest gap between consecutive messages on one communication edge, in ms. */
  longestGapMs: number | null;
  /** d: the diameter of the directed communication graph of domains (hops), over the pairs that are connected. */
  diameter: number;
  /** Whether every domain can reach every other one along message edges (Lamport assumes so). */
  stronglyConnected: boolean;
  /** ε ≈ d(2κτ + ξ): how far apart Lamport's synchronised clocks could be on this communication pattern, in ms. */
  boundMs: number | null;
  /** The spread (max − min) of the estimated offsets in the reference domain's component, in ms. */
  measuredSpreadMs: number;
  /** Communication edges (ordered domain pairs with at least one message) and cross-domain messages measured. */
  edges: number;
  messages: number;
}

const NANOS_PER_MS = 1e6;

/** Computes μ, ξ, τ, d and the bound d(2κτ + ξ) from the cross-domain messages of an analysis. */
export function physicalClockView(
  graph: EventGraph,
  skew: SkewSolution,
  driftRate: number,
): PhysicalClockView {
  const { messageFrom, spanNode, nodeDomain, wall, eventCount } = graph;
  const pairCount = skew.pairFrom.length;
  const estimate = skew.estimate;
  const minimum = new Float64Array(pairCount).fill(Number.POSITIVE_INFINITY);
  const maximum = new Float64Array(pairCount).fill(Number.NEGATIVE_INFINITY);
  const pairStart = new Int32Array(pairCount + 1);
  for (let pair = 0; pair < pairCount; pair++)
    pairStart[pair + 1] = pairStart[pair]! + skew.pairMessages[pair]!;
  const cursor = pairStart.slice(0, pairCount);
  const sendTimes = new Float64Array(pairStart[pairCount]!);
  let messages = 0;
  for (let receive = 0; receive < eventCount; receive++) {
    const send = messageFrom[receive]!;
    if (send < 0) continue;
    const p = nodeDomain[spanNode[send >> 1]!]!;
    const q = nodeDomain[spanNode[receive >> 1]!]!;
    if (p === q) continue;
    const pair = skew.pairIndex(p, q);
    const sent = wall[send]! - estimate[p]!;
    const delay = wall[receive]! - estimate[q]! - sent;
    if (delay < minimum[pair]!) minimum[pair] = delay;
    if (delay > maximum[pair]!) maximum[pair] = delay;
    sendTimes[cursor[pair]!++] = sent;
    messages++;
  }
  let mu = Number.POSITIVE_INFINITY;
  let xi = Number.NEGATIVE_INFINITY;
  let tau = Number.NEGATIVE_INFINITY;
  for (let pair = 0; pair < pairCount; pair++) {
    mu = Math.min(mu, minimum[pair]!);
    xi = Math.max(xi, maximum[pair]! - minimum[pair]!);
    const times = sendTimes.subarray(pairStart[pair]!, pairStart[pair + 1]!);
    times.sort();
    for (let i = 1; i < times.length; i++) tau = Math.max(tau, times[i]! - times[i - 1]!);
  }

  // Directed diameter by breadth-first search from every domain.
  const domainCount = skew.domainCount;
  const outStart = new Int32Array(domainCount + 1);
  for (let pair = 0; pair < pairCount; pair++) outStart[skew.pairFrom[pair]! + 1]!++;
  for (let domain = 0; domain < domainCount; domain++) outStart[domain + 1]! += outStart[domain]!;
  const outTarget = new Int32Array(pairCount);
  const fill = outStart.slice(0, domainCount);
  for (let pair = 0; pair < pairCount; pair++) outTarget[fill[skew.pairFrom[pair]!]!++] = skew.pairTo[pair]!;
  const hops = new Int32Array(domainCount);
  const queue = new Int32Array(domainCount);
  let diameter = 0;
  let stronglyConnected = true;
  for (let source = 0; source < domainCount; source++) {
    hops.fill(-1);
    hops[source] = 0;
    queue[0] = source;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const vertex = queue[head++]!;
      for (let edge = outStart[vertex]!; edge < outStart[vertex + 1]!; edge++) {
        const target = outTarget[edge]!;
        if (hops[target] !== -1) continue;
        hops[target] = hops[vertex]! + 1;
        if (hops[target]! > diameter) diameter = hops[target]!;
        queue[tail++] = target;
      }
    }
    if (tail < domainCount) stronglyConnected = false;
  }

  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (let domain = 0; domain < domainCount; domain++) {
    if (skew.domainReference[domain] !== skew.reference) continue;
    lowest = Math.min(lowest, estimate[domain]!);
    highest = Math.max(highest, estimate[domain]!);
  }
  const finite = (value: number): number | null => (Number.isFinite(value) ? value / NANOS_PER_MS : null);
  const xiMs = finite(xi);
  const tauMs = finite(tau) ?? (xiMs === null ? null : 0);
  return {
    driftRate,
    minimumDelayMs: finite(mu),
    unpredictableDelayMs: xiMs,
    longestGapMs: finite(tau),
    diameter,
    stronglyConnected,
    boundMs: xiMs === null || tauMs === null ? null : diameter * (2 * driftRate * tauMs + xiMs),
    measuredSpreadMs: Number.isFinite(highest - lowest) ? (highest - lowest) / NANOS_PER_MS : 0,
    edges: pairCount,
    messages,
  };
}
