// Starts a throwaway PostgreSQL (Debian's binaries) for the benchmark; as root, runs it as the postgres user.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function binaries() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0)
    throw new Error('PostgreSQL binaries not found in /usr/lib/postgresql/*/bin: apt-get install postgresql');
  return join(root, versions[0], 'bin');
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres() {
  const bin = binaries();
  const directory = mkdtempSync(join(tmpdir(), 'tickline-bench-pg-'));
  const data = join(directory, 'data');
  mkdirSync(data, { mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  const exec = (program, args) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], {
          cwd: directory,
          stdio: 'pipe',
        })
      : execFileSync(join(bin, program), args, { cwd: directory, stdio: 'pipe' });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(directory, uid, gid);
    chownSync(data, uid, gid);
  }
  exec('initdb', [
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
  exec('pg_ctl', [
    '-D',
    data,
    '-l',
    join(directory, 'postgres.log'),
    '-w',
    '-o',
    `-p ${port} -k ${directory} -c listen_addresses='127.0.0.1'`,
    'start',
  ]);
  return {
    url: `postgres://tickline@127.0.0.1:${port}/postgres`,
    createDatabase(name) {
      exec('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'tickline', name]);
      return `postgres://tickline@127.0.0.1:${port}/${name}`;
    },
    stop() {
      try {
        exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}
