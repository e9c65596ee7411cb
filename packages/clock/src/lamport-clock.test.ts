import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockExhaustedError, RemoteClockRejectedError } from './errors.js';
import { parseClockHeader } from './header.js';
import { LamportClock } from './lamport-clock.js';

const operation = fc.oneof(
  fc.constant({ type: 'tick' as const }),
  fc.record({ type: fc.constant('receive' as const), remote: fc.integer({ min: 0, max: 1e12 }) }),
);

describe('LamportClock', () => {
  it('receiveIfValid merges exactly when tryReceive accepts, to the same value', () => {
    const values = fc.oneof(
      fc.integer({ min: 0, max: 1000 }),
      fc.constantFrom(-1, 0.5, Number.NaN, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, 2 ** 60),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        values,
        fc.integer({ min: 0, max: 500 }),
        (start, remote, jump) => {
          const a = new LamportClock({ node: 'a', initial: start, maxForwardJump: jump });
          const b = new LamportClock({ node: 'b', initial: start, maxForwardJump: jump });
          const merged = a.receiveIfValid(remote);
          const outcome = b.tryReceive(remote);
          expect(merged).toBe(outcome.accepted ? outcome.clock : -1);
          expect(a.read()).toBe(b.read());
        },
      ),
    );
  });

  it('names its node after the service with a random suffix', () => {
    const a = new LamportClock({ name: 'orders' });
    const b = new LamportClock({ name: 'orders' });
    expect(a.node).toMatch(/^orders\/[0-9a-f]{8}$/);
    expect(a.node).not.toBe(b.node);
    expect(new LamportClock({ node: 'fixed' }).node).toBe('fixed');
  });

  it('strictly increases over any sequence of events (IR1, IR2)', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const clock = new LamportClock({ node: 'n' });
        let previous = clock.read();
        for (const op of operations) {
          const value = op.type === 'tick' ? clock.tick() : clock.receive(op.remote);
          expect(value).toBeGreaterThan(previous);
          expect(clock.read()).toBe(value);
          previous = value;
        }
      }),
    );
  });

  it('receive(x) exceeds x and every earlier value', () => {
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 50 }),
        fc.integer({ min: 0, max: 1e14 }),
        (operations, remote) => {
          const clock = new LamportClock({ node: 'n' });
          const seen: number[] = [];
          for (const op of operations)
            seen.push(op.type === 'tick' ? clock.tick() : clock.receive(op.remote));
          const merged = clock.receive(remote);
          expect(merged).toBeGreaterThan(remote);
          for (const value of seen) expect(merged).toBeGreaterThan(value);
        },
      ),
    );
  });

  it('rejects a forward jump beyond maxForwardJump and leaves the clock untouched', () => {
    const clock = new LamportClock({ node: 'n', maxForwardJump: 1000 });
    clock.tick();
    expect(clock.tryReceive(1001)).toEqual({ accepted: true, clock: 1002 });
    const outcome = clock.tryReceive(5000);
    expect(outcome).toMatchObject({ accepted: false, reason: 'forward-jump' });
    expect(clock.read()).toBe(1002);
    expect(() => clock.receive(999_999_999)).toThrow(RemoteClockRejectedError);
    expect(clock.read()).toBe(1002);
  });

  it('rejects values that are not non-negative safe integers', () => {
    const clock = new LamportClock({ node: 'n' });
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(clock.tryReceive(bad)).toMatchObject({ accepted: false, reason: 'invalid-value' });
    }
    expect(clock.read()).toBe(0);
  });

  it('never passes Number.MAX_SAFE_INTEGER', () => {
    const clock = new LamportClock({ node: 'n', initial: Number.MAX_SAFE_INTEGER - 2 });
    expect(clock.tick()).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(clock.tryReceive(Number.MAX_SAFE_INTEGER)).toMatchObject({ accepted: false, reason: 'overflow' });
    expect(clock.tick()).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => clock.tick()).toThrow(ClockExhaustedError);
    expect(clock.read()).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('formats what it sends as a header its peers parse back', () => {
    const clock = new LamportClock({ node: 'orders/7f3c2a1b' });
    const { clock: sent, header } = clock.send();
    expect(header).toBe('1;node="orders/7f3c2a1b"');
    expect(parseClockHeader(header)).toEqual({ ok: true, clock: sent, node: 'orders/7f3c2a1b' });
    expect(clock.formatHeader(42)).toBe('42;node="orders/7f3c2a1b"');
  });
});
