import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVICES } from './services.js';

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Base URL of the collector, e.g. `http://127.0.0.1:4318`. */
  collectorUrl: string;
  /** Checkout requests per second sent to the storefront. Default 3; 0 sends none. */
  requestsPerSecond?: number;
}

/** The running demo. */
export interface Demo {
  /** Base URL of each service. */
  urls: Record<string, string>;
  /** Sends one checkout through the whole chain and resolves when it answered. */
  checkout(): Promise<unknown>;
  /** Stops the traffic and the services (each flushes its spans first). */
  stop(): Promise<void>;
}

// The services always run from the build (tests import this file from src/).
const entry = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts') ? '../dist/service-process.js' : './service-process.js',
    import.meta.url,
  ),
);

function startProcess(service: string, peers: Record<string, string>, tracesUrl: string) {
  const child = fork(entry, [], {
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: service,
      TICKLINE_DEMO: JSON.stringify({ service, peers, tracesUrl }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`@tickline/demo: service ${service} exited with code ${code}`)),
    );
    child.on('message', (message: { ready?: string }) => {
      if (message.ready !== undefined) resolve({ child, url: message.ready });
    });
  });
}

/**
 * Starts the demo services, each in its own process with its own simulated host clock, all
 * exporting to the collector, and sends checkout traffic through them.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const tracesUrl = `${options.collectorUrl.replace(/\/$/, '')}/v1/traces`;
  const urls: Record<string, string> = {};
  const children: ChildProcess[] = [];
  try {
    for (const spec of SERVICES) {
      const peers = Object.fromEntries(spec.calls.map((name) => [name, urls[name] as string]));
      const started = await startProcess(spec.name, peers, tracesUrl);
      children.push(started.child);
      urls[spec.name] = started.url;
    }
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
  const checkout = async () => (await fetch(`${urls.storefront}/checkout`)).json();
  const rate = options.requestsPerSecond ?? 3;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (rate > 0) {
    timer = setInterval(() => {
      checkout().catch(() => {});
    }, 1000 / rate);
  }
  return {
    urls,
    checkout,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.removeAllListeners('exit');
              child.once('exit', () => resolve());
              child.send('shutdown');
            }),
        ),
      );
    },
  };
}
