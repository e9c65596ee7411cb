/**
 * Happened-before in the browser: the relation → (Lamport §2) is the transitive closure of the process
 * and message edges, so an event's causal past and future are plain breadth-first searches.
 */

/** An edge of the happened-before graph, as far as reachability is concerned. */
export interface CausalEdge {
  from: string;
  to: string;
}

/** Adjacency lists in both directions. */
export interface CausalIndex {
  successors: Map<string, string[]>;
  predecessors: Map<string, string[]>;
}

/** How an event relates to the selected one. */
export type CausalRelation = 'selected' | 'past' | 'future' | 'concurrent';

function push(map: Map<string, string[]>, key: string, value: string): void {
  const values = map.get(key);
  if (values === undefined) map.set(key, [value]);
  else values.push(value);
}

/** Builds adjacency lists from the edges (self-loops are ignored). */
export function buildCausalIndex(edges: Iterable<CausalEdge>): CausalIndex {
  const successors = new Map<string, string[]>();
  const predecessors = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.from === edge.to) continue;
    push(successors, edge.from, edge.to);
    push(predecessors, edge.to, edge.from);
  }
  return { successors, predecessors };
}

function reach(adjacency: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    for (const next of adjacency.get(queue[head]!) ?? []) {
      if (next === start || seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}

/** Every event e with e → `event` (the event itself excluded). */
export function causalPast(index: CausalIndex, event: string): Set<string> {
  return reach(index.predecessors, event);
}

/** Every event e with `event` → e (the event itself excluded). */
export function causalFuture(index: CausalIndex, event: string): Set<string> {
  return reach(index.successors, event);
}

/**
 * Classifies every event relative to `selected`: in its past, in its future, or concurrent (neither,
 * Lamport's a ↛ b and b ↛ a). On a cyclic graph (bad data) an event in both counts as past.
 */
export function classifyEvents(
  index: CausalIndex,
  eventIds: Iterable<string>,
  selected: string,
): Map<string, CausalRelation> {
  const past = causalPast(index, selected);
  const future = causalFuture(index, selected);
  const relations = new Map<string, CausalRelation>();
  for (const id of eventIds) {
    if (id === selected) relations.set(id, 'selected');
    else if (past.has(id)) relations.set(id, 'past');
    else if (future.has(id)) relations.set(id, 'future');
    else relations.set(id, 'concurrent');
  }
  return relations;
}

/** Whether a happened before b (a → b). */
export function happenedBefore(index: CausalIndex, a: string, b: string): boolean {
  return a !== b && causalFuture(index, a).has(b);
}
