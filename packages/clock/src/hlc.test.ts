import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, formatHlcHeader, type HlcTimestamp, HybridLogicalClock, parseHlcHeader } from './hlc.js';

function manualWallClock(start: number) {
  const state = { time: start };
  return { state, wallClock: { now: () => state.time } };
}

describe('HybridLogicalClock', () => {
  it('follows physical time when it advances and counts within a millisecond', () => {
    const { state, wallClock } = manualWallClock(1_000);
    const clock = new HybridLogicalClock({ node: 'n', wallClock });
    expect(clock.now()).toEqual({ wallMs: 1_000, logical: 0 });
    expect(clock.now()).toEqual({ wallMs: 1_000, logical: 1 });
    state.time = 1_005.7;
    expect(clock.now()).toEqual({ wallMs: 1_005, logical: 0 });
  });

  it('never goes backwards when the wall clock steps back', () => {
    const { state, wallClock } = manualWallClock(5_000);
    const clock = new HybridLogicalClock({ node: 'n', wallClock });
    const before = clock.now();
    state.time = 1_000;
    expect(compareHlc(clock.now(), before)).toBeGreaterThan(0);
  });

  it('a receive exceeds both the local and the remote timestamp, and stays within maxOffset of physical time', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            advance: fc.integer({ min: -50, max: 50 }),
            remote: fc.option(
              fc.record({
                ahead: fc.integer({ min: -1000, max: 400 }),
                logical: fc.integer({ min: 0, max: 10 }),
              }),
            ),
          }),
          { maxLength: 100 },
        ),
        (steps) => {
          const { state, wallClock } = manualWallClock(1_700_000_000_000);
          const clock = new HybridLogicalClock({ node: 'n', wallClock, maxOffset: 500 });
          let previous: HlcTimestamp = clock.now();
          let maxPhysical = state.time;
          for (const step of steps) {
            state.time += step.advance;
            maxPhysical = Math.max(maxPhysical, state.time);
            let next: HlcTimestamp;
            if (step.remote === null) next = clock.now();
            else {
              const remote = {
                wallMs: Math.floor(state.time) + step.remote.ahead,
                logical: step.remote.logical,
              };
              const outcome = clock.tryReceive(remote);
              expect(outcome.accepted).toBe(true);
              if (!outcome.accepted) return;
              next = outcome.timestamp;
              expect(compareHlc(next, remote)).toBeGreaterThan(0);
            }
            expect(compareHlc(next, previous)).toBeGreaterThan(0);
            expect(next.wallMs - maxPhysical).toBeLessThanOrEqual(500);
            previous = next;
          }
        },
      ),
    );
  });

  it('rejects a remote wall time more than maxOffset ahead and leaves the clock untouched', () => {
    const { wallClock } = manualWallClock(10_000);
    const clock = new HybridLogicalClock({ node: 'n', wallClock, maxOffset: 500 });
    const before = clock.now();
    expect(clock.tryReceive({ wallMs: 10_501, logical: 0 })).toMatchObject({
      accepted: false,
      reason: 'max-offset',
    });
    expect(clock.read()).toEqual(before);
  });

  it('round-trips its header', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999_999_999_999_999 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (wallMs, logical) => {
          const parsed = parseHlcHeader(formatHlcHeader({ wallMs, logical }, 'svc/1'));
          expect(parsed).toEqual({ ok: true, timestamp: { wallMs, logical }, node: 'svc/1' });
        },
      ),
    );
    expect(formatHlcHeader({ wallMs: 1732233600123, logical: 5 }, 'orders/7f3c2a1b')).toBe(
      '1732233600123;c=5;node="orders/7f3c2a1b"',
    );
    expect(parseHlcHeader('1732233600123;c=1.5')).toMatchObject({ ok: false });
  });
});
