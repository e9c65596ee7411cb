import { parseArgs } from 'node:util';
import { createCollector } from '../collector.js';
import { DEFAULT_STORE } from '../store/open.js';

const USAGE = `usage: tickline collector [options]

  --port N           port for OTLP/HTTP, the API and the viewer (default 4318; 0 = any free port)
  --host H           interface to listen on (default 127.0.0.1)
  --store URL        sqlite:PATH[?synchronous=full] or postgres://user@host:port/db (default ${DEFAULT_STORE})
  --token T          require 'Authorization: Bearer T' on /v1/traces and /api/* (default: env TICKLINE_TOKEN, else none)
  --max-body-mb N    largest request body, compressed and after gunzip (default 64)
  --retain-hours N   delete traces that ended more than N hours ago (default: keep all)
  --viewer-dir DIR   serve the viewer from DIR (default: apps/viewer/dist when built)
  -h, --help         show this help`;

function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0)
    throw new Error(`--${name} must be a non-negative number, got '${value}'`);
  return number;
}

/** `tickline collector`: runs until SIGINT/SIGTERM, then drains, commits and exits 0. */
export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        store: { type: 'string' },
        token: { type: 'string' },
        'max-body-mb': { type: 'string' },
        'retain-hours': { type: 'string' },
        'viewer-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`tickline collector: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  let port: number | undefined;
  let maxBodyMb: number | undefined;
  let retainHours: number | undefined;
  try {
    port = positiveNumber(values.port as string | undefined, 'port');
    if (port !== undefined && (!Number.isInteger(port) || port > 65535))
      throw new Error(`--port must be 0..65535, got '${values.port}'`);
    maxBodyMb = positiveNumber(values['max-body-mb'] as string | undefined, 'max-body-mb');
    retainHours = positiveNumber(values['retain-hours'] as string | undefined, 'retain-hours');
  } catch (error) {
    console.error(`tickline collector: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const token = (values.token as string | undefined) ?? process.env.TICKLINE_TOKEN;
  const store = (values.store as string | undefined) ?? DEFAULT_STORE;
  const collector = await createCollector({
    store,
    logger: { level: 'warn' },
    ...(port === undefined ? {} : { port }),
    host: (values.host as string | undefined) ?? '127.0.0.1',
    ...(token === undefined || token === '' ? {} : { token }),
    ...(maxBodyMb === undefined ? {} : { maxBodyBytes: Math.floor(maxBodyMb * 1024 * 1024) }),
    ...(retainHours === undefined ? {} : { retainHours }),
    ...(values['viewer-dir'] === undefined ? {} : { viewerDir: values['viewer-dir'] as string }),
  });
  let url: string;
  try {
    url = await collector.listen();
  } catch (error) {
    await collector.close();
    console.error(`tickline collector: cannot listen: ${(error as Error).message}`);
    return 1;
  }
  console.log(`tickline collector listening on ${url} (store ${collector.store.description})`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`tickline collector: ${signal}, draining`);
      collector.close().then(
        () => {
          console.log('tickline collector: stopped');
          resolve(0);
        },
        (error: unknown) => {
          console.error(`tickline collector: error while stopping: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
