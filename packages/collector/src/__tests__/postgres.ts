import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A throwaway PostgreSQL server in a temporary directory. */
export interface PostgresServer {
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** A new empty database; resolves to its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

function findBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) {
    throw new Error(
      "PostgreSQL binaries not found in /usr/lib/postgresql/*/bin (initdb, pg_ctl). Install Debian's package: apt-get install postgresql (.ci/run does this).",
    );
  }
  return join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts PostgreSQL (Debian's binaries) on 127.0.0.1 and a free port, data and socket in a temp dir.
 * PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the `postgres` OS user.
 * `durable: false` (default) turns fsync off for speed.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const bin = findBinaries();
  const directory = await mkdtemp(join(tmpdir(), 'tickline-pg-'));
  const data = join(directory, 'data');
  const asRoot = process.getuid?.() === 0;
  const exec = async (program: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, program);
    const commandArgs = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    return run(command, commandArgs, { cwd: directory, timeout: 120_000 });
  };
  try {
    await mkdir(data, { mode: 0o700 });
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
        throw new Error(
          "PostgreSQL refuses to run as root and there is no `postgres` OS user: install Debian's postgresql package.",
        );
      });
      const { stdout: group } = await run('id', ['-g', 'postgres']);
      await chown(directory, Number(stdout.trim()), Number(group.trim()));
      await chown(data, Number(stdout.trim()), Number(group.trim()));
    }
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'tickline',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    const port = await freePort();
    const settings = [
      `-p ${port}`,
      `-k ${directory}`,
      "-c listen_addresses='127.0.0.1'",
      '-c max_connections=50',
      ...(options.durable === true ? [] : ['-c fsync=off', '-c full_page_writes=off']),
    ].join(' ');
    try {
      await exec('pg_ctl', [
        '-D',
        data,
        '-l',
        join(directory, 'postgres.log'),
        '-w',
        '-t',
        '60',
        '-o',
        settings,
        'start',
      ]);
    } catch (error) {
      const log = await readFile(join(directory, 'postgres.log'), 'utf8').catch(() => '');
      throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`);
    }
    const url = `postgres://tickline@127.0.0.1:${port}/postgres`;
    let stopped = false;
    return {
      url,
      async createDatabase(name: string) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return `postgres://tickline@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']);
        } finally {
          await rm(directory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
