// Instruction and cycle counts of a running process, from Linux `perf stat` attached to its pid
// for the length of a measurement. Instructions retired per request do not move when the machine
// is shared or the VM loses CPU time to its host (steal), unlike throughput and CPU time, so the
// throughput benchmarks report them beside their ratios when `perf` is available. Cycles count
// only while the process runs on a CPU (a guest's counters stop while the host runs something
// else), so cycles per request are the CPU cost without steal: for a CPU-bound server, the
// throughput it would reach alone. Unlike instructions they still move with cache pressure.
import { spawn, spawnSync } from 'node:child_process';

/** True when `perf stat` can count instructions here (perf installed, counters readable). */
export function perfAvailable() {
  const probe = spawnSync('perf', ['stat', '-x,', '-e', 'instructions', '--', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) return false;
  return /^\d+,/m.test(probe.stderr);
}

/**
 * Starts counting instructions of `pid` (user and kernel, `:u` and `:k` separately) and its cycles.
 * Returns `stop()`, which ends the count and resolves to `{ user, kernel, cycles }` (cycles NaN
 * when the counter was not available).
 */
export function countInstructions(pid) {
  const child = spawn(
    'perf',
    ['stat', '-x,', '-e', 'instructions:u,instructions:k,cycles', '-p', String(pid)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let output = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const started = new Promise((resolve) => setTimeout(resolve, 150));
  return {
    started,
    stop: () =>
      new Promise((resolve, reject) => {
        child.once('exit', () => {
          const read = (event) => {
            const line = output
              .split('\n')
              .find((candidate) => candidate.includes(`,${event},`) || candidate.includes(`,${event}`));
            const value = line === undefined ? Number.NaN : Number(line.split(',')[0]);
            return value;
          };
          const user = read('instructions:u');
          const kernel = read('instructions:k');
          const cycles = read('cycles');
          if (!Number.isFinite(user)) reject(new Error(`perf stat gave no count: ${output.trim()}`));
          else resolve({ user, kernel: Number.isFinite(kernel) ? kernel : 0, cycles });
        });
        child.kill('SIGINT');
      }),
  };
}

/**
 * The user-space instructions of one run of `node script ...args` to its end, counted by
 * `perf stat` (what the in-process benchmarks compare between runs of N and kN requests).
 */
export function countRunInstructions(script, args) {
  const run = spawnSync('perf', ['stat', '-x,', '-e', 'instructions:u', process.execPath, script, ...args], {
    encoding: 'utf8',
  });
  const line = run.stderr.split('\n').find((candidate) => candidate.includes('instructions'));
  if (run.status !== 0 || line === undefined) throw new Error(`perf stat failed: ${run.stderr}`);
  return Number(line.split(',')[0]);
}
