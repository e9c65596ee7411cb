import { hookGlobalAgents, subscribeHttpCreated } from './http-client.js';
import type { OutgoingOptions } from './options.js';
import { OutgoingStamper } from './outgoing.js';
import { subscribeUndici } from './undici.js';

/** Process-wide installation record, shared by every copy of this package through `Symbol.for`. */
interface Installation {
  users: number;
  uninstall: () => void;
}

const INSTALLATION_KEY = Symbol.for('@tickline/node/outgoing@1');

/**
 * Makes outgoing HTTP requests carry the Lamport clock (docs/design.md §3, §4), without patching
 * any module:
 *
 * - global `fetch` and the undici package: through the `undici:request:create` and
 *   `undici:request:headers` diagnostics channels;
 * - node:http and node:https clients: through the `http.client.request.created` channel where
 *   Node has it (22.12+), and on every Node by hooking the `addRequest` of the two global agent
 *   instances (`http.globalAgent`, `https.globalAgent`). For requests with their own agent on
 *   Node 20, use {@link TicklineAgent}.
 *
 * Each request ticks the clock once (its send) and gets `lamport-clock`; the response's header is
 * merged before the caller sees the response. A request that already has the header (added by
 * `@tickline/otel`'s propagator) is not stamped again.
 *
 * Installs once per process: a second call, from this or another copy of the package, keeps the
 * first installation (and its options) and returns an undo that only releases its own use. The
 * hooks are removed when every returned undo has been called.
 *
 * @returns The function that undoes this call (calling it twice is harmless).
 */
export function instrumentOutgoing(options: OutgoingOptions = {}): () => void {
  const holder = globalThis as { [INSTALLATION_KEY]?: Installation };
  let installation = holder[INSTALLATION_KEY];
  if (installation === undefined) {
    const stamper = new OutgoingStamper(options);
    const undo = [subscribeUndici(stamper), subscribeHttpCreated(stamper), hookGlobalAgents(stamper)];
    const created: Installation = {
      users: 0,
      uninstall: () => {
        for (const step of undo.reverse()) step();
        if (holder[INSTALLATION_KEY] === created) delete holder[INSTALLATION_KEY];
      },
    };
    installation = created;
    holder[INSTALLATION_KEY] = created;
  }
  const current = installation;
  current.users += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    current.users -= 1;
    if (current.users === 0) current.uninstall();
  };
}
