import { expect, it } from 'vitest';
import { buildCausalIndex, causalFuture, causalPast, classifyEvents, happenedBefore } from './causality';

// Lamport's Fig. 1 in miniature: p1 → p2 (process), p2 sends to q2, q1 → q2 → q3, r1 is alone.
const edges = [
  { from: 'p1', to: 'p2' },
  { from: 'p2', to: 'p3' },
  { from: 'q1', to: 'q2' },
  { from: 'q2', to: 'q3' },
  { from: 'p2', to: 'q2' },
  { from: 'q3', to: 'r2' },
  { from: 'r1', to: 'r2' },
];
const index = buildCausalIndex(edges);
const all = ['p1', 'p2', 'p3', 'q1', 'q2', 'q3', 'r1', 'r2'];

it('the causal past is everything with a path to the event', () => {
  expect([...causalPast(index, 'q3')].sort()).toEqual(['p1', 'p2', 'q1', 'q2']);
  expect([...causalPast(index, 'p1')]).toEqual([]);
});

it('the causal future is everything reachable from the event', () => {
  expect([...causalFuture(index, 'p2')].sort()).toEqual(['p3', 'q2', 'q3', 'r2']);
});

it('events in neither the past nor the future are concurrent', () => {
  const relations = classifyEvents(index, all, 'q2');
  expect(Object.fromEntries(relations)).toEqual({
    p1: 'past',
    p2: 'past',
    q1: 'past',
    q2: 'selected',
    q3: 'future',
    r2: 'future',
    p3: 'concurrent',
    r1: 'concurrent',
  });
});

it('happened-before is transitive and irreflexive', () => {
  expect(happenedBefore(index, 'p1', 'r2')).toBe(true);
  expect(happenedBefore(index, 'r2', 'p1')).toBe(false);
  expect(happenedBefore(index, 'p1', 'p1')).toBe(false);
  expect(happenedBefore(index, 'p3', 'q3')).toBe(false);
});

it('terminates on a cycle (inconsistent data) and ignores self-loops', () => {
  const cyclic = buildCausalIndex([
    { from: 'a', to: 'b' },
    { from: 'b', to: 'a' },
    { from: 'c', to: 'c' },
  ]);
  expect([...causalFuture(cyclic, 'a')]).toEqual(['b']);
  expect(classifyEvents(cyclic, ['a', 'b', 'c'], 'c').get('a')).toBe('concurrent');
});
