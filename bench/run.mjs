#!/usr/bin/env node
// Lists the benchmarks, or runs one: `pnpm bench clock`. Each prints ratios against a baseline
// measured in the same run. Build first: `pnpm build`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const topics = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
  .map((entry) => ({
    name: entry.name,
    files: readdirSync(join(here, entry.name)).filter((f) => /\.bench\.m?js$/.test(f)),
  }))
  .filter((topic) => topic.files.length > 0);

const wanted = process.argv[2];
if (wanted === undefined) {
  console.log('benchmarks (run one with `pnpm bench <name>`):');
  for (const topic of topics) console.log(`  ${topic.name.padEnd(12)} ${topic.files.join(', ')}`);
  process.exit(0);
}
const topic = topics.find((t) => t.name === wanted);
if (topic === undefined || !existsSync(join(here, wanted))) {
  console.error(`bench: no benchmark named '${wanted}'`);
  process.exit(2);
}
for (const file of topic.files) {
  const result = spawnSync(process.execPath, [join(here, wanted, file), ...process.argv.slice(3)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
