/** Node id of the clock that stamped the span (docs/design.md §4). */
export const ATTR_LAMPORT_NODE = 'lamport.node';
/** Clock value of the span's start event. */
export const ATTR_LAMPORT_START = 'lamport.start';
/** Clock value of the span's end event. */
export const ATTR_LAMPORT_END = 'lamport.end';
/** Sender node of the message this span received. */
export const ATTR_LAMPORT_RECV_NODE = 'lamport.recv.node';
/** Sender's `T_m` of the message this span received. */
export const ATTR_LAMPORT_RECV_CLOCK = 'lamport.recv.clock';
/** Why an incoming `lamport-clock` header was ignored. */
export const ATTR_LAMPORT_REJECTED = 'lamport.rejected';
/** Wall time of the start event in µs since the epoch, when it is not the span's start time. */
export const ATTR_LAMPORT_START_TIME_US = 'lamport.start.time_us';
/** Wall time of the end event in µs since the epoch, when it is not the span's end time. */
export const ATTR_LAMPORT_END_TIME_US = 'lamport.end.time_us';
