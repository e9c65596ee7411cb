/** Name of the HTTP header that carries the Lamport clock, on requests and responses (docs/design.md §3). */
export const CLOCK_HEADER = 'lamport-clock';

/** Name of the HTTP header that carries a hybrid logical clock timestamp (docs/design.md §2). */
export const HLC_HEADER = 'hlc-clock';

/** RFC 8941 §3.3.1: an Integer has at most 15 digits. */
export const MAX_CLOCK_DIGITS = 15;

/** Largest clock value that fits in the header: 999 999 999 999 999. */
export const MAX_WIRE_CLOCK = 999_999_999_999_999;

/** Longest node id carried in the `node` parameter. */
export const MAX_NODE_LENGTH = 128;

/**
 * Longest header value the parser looks at. A valid value with a 128-character node id is far
 * shorter; anything longer is rejected before parsing so that hostile input costs nothing.
 */
export const MAX_HEADER_LENGTH = 1024;

/** At most this many comma-separated members (or header lines) are examined. */
export const MAX_HEADER_MEMBERS = 16;
