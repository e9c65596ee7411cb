#!/usr/bin/env node
/**
 * The `tickline` command line. Each subcommand lives in `./commands/<name>.ts` and exports
 * `run(argv): Promise<number>` returning the process exit code.
 */

const USAGE = `usage: tickline <command> [options]

commands:
  collector   run the OTLP/HTTP collector, storage, query API and viewer
  analyze     analyse OTLP trace files offline (happened-before, anomalies, clock offsets)

Run 'tickline <command> --help' for a command's options.`;

type Command = { run(argv: string[]): Promise<number> };

const commands: Record<string, () => Promise<Command>> = {
  collector: () => import('./commands/collector.js'),
  analyze: () => import('./commands/analyze.js'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    console.error(`tickline: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`tickline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 2;
  },
);
