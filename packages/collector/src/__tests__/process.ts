import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/cli.js of this package: the process tests run the built collector, as users do. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A collector child process. */
export interface CollectorProcess {
  child: ChildProcess;
  url: string;
  /** Everything printed so far. */
  output(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `tickline collector --port 0 …args` from dist (after `nodeFlags`, default none) and waits until it prints its URL. */
export async function startCollectorProcess(
  args: string[],
  options: { nodeFlags?: string[] } = {},
): Promise<CollectorProcess> {
  if (!existsSync(CLI_PATH)) {
    throw new Error(
      `${CLI_PATH} is missing: build the collector first (pnpm turbo run build --filter @tickline/collector...)`,
    );
  }
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), CLI_PATH, 'collector', '--port', '0', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`collector did not start within 60 s:\n${output}`)),
      60_000,
    );
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`collector exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}

/** Sends SIGTERM (or `signal`) and waits for the exit. */
export async function stopCollectorProcess(
  collector: CollectorProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (collector.child.exitCode === null && collector.child.signalCode === null) collector.child.kill(signal);
  return collector.exited;
}
