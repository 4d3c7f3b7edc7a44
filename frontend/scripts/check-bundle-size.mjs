// Prints the gzipped size of every built JS/CSS file and fails when the JavaScript that
// index.html loads up front (entry + modulepreloads) exceeds the budget.
// Lazy route chunks are listed but not counted: they load on navigation.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// 90 kB: React and React DOM (~66), the declarative router (~13) and the boot path's own code; zod,
// TanStack Query and every page load later (docs/architecture.md, "Bundle budget").
const BUDGET_KB = Number(process.env.SPA_INITIAL_JS_BUDGET_KB || 90);
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set(
  [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((match) => match[1]),
);
if (initial.size === 0) {
  console.error('check-bundle-size: index.html references no JavaScript; is the build broken?');
  process.exit(1);
}

const kb = (bytes) => (bytes / 1024).toFixed(1).padStart(7);
let initialBytes = 0;
const rows = readdirSync(join(dist, 'assets'))
  .filter((name) => /\.(js|css)$/.test(name))
  .map((name) => {
    const raw = readFileSync(join(dist, 'assets', name));
    const gz = gzipSync(raw, { level: 9 }).length;
    const isInitial = initial.has(`assets/${name}`);
    if (isInitial) initialBytes += gz;
    return { name, raw: raw.length, gz, isInitial };
  })
  .sort((a, b) => Number(b.isInitial) - Number(a.isInitial) || b.gz - a.gz);

console.log('\n  file                                         raw kB   gzip kB');
for (const row of rows) {
  console.log(`  ${(row.isInitial ? '* ' : '  ') + row.name.padEnd(42)} ${kb(row.raw)}  ${kb(row.gz)}`);
}
console.log(`\n  initial JavaScript (*): ${(initialBytes / 1024).toFixed(1)} kB gzipped, budget ${BUDGET_KB} kB`);
if (initialBytes > BUDGET_KB * 1024) {
  console.error(`check-bundle-size: initial JavaScript is over the ${BUDGET_KB} kB budget`);
  process.exit(1);
}
