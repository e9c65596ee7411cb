import { MAX_NODE_LENGTH } from './constants.js';

/**
 * Bad and hostile `lamport-clock` values: every one must be rejected by `parseClockHeader`, and a
 * request carrying one must still be served with the clock untouched by it. For the tests of
 * Tickline's middleware and of anything that handles the header (`@tickline/clock/testing`).
 */
export const HOSTILE_CLOCK_HEADERS: readonly string[] = [
  '',
  ' ',
  '-1',
  '+1',
  '1e3',
  '0x10',
  '1.5',
  '"5"',
  '1234567890123456',
  '9'.repeat(1_000_000),
  '5\u0000',
  '5;node="a\u0001b"',
  '5;node="unterminated',
  `5;node="${'x'.repeat(MAX_NODE_LENGTH + 1)}"`,
  '5;node=orders',
  '5;node=',
  '5;node=12',
  '5;Node="x"',
  '5 ;node="x"',
  '5;node="é"',
  '٥',
  ',',
  ',,,,',
  ','.repeat(10_000),
  'abc',
  '5 6',
  '5;',
  '5;=1',
  'NaN',
  'Infinity',
];

/**
 * Lists with an empty member: the parser skips the bad member and takes the largest valid one
 * (here 6), which is behind any clock that has run a while, so the receive is an ordinary tick.
 */
export const LENIENT_CLOCK_HEADERS: readonly string[] = ['5,,6'];

/** Valid values that are too far ahead for `maxForwardJump: 1000` on a young clock. */
export const FAR_AHEAD_CLOCK_HEADERS: readonly string[] = [
  '999999999999999',
  '5000;node="poisoner"',
  '2000, 3000',
];
