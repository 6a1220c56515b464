#!/usr/bin/env node
/**
 * Prints the allocation sites of a V8 sampling heap profile (BENCH_HEAP_PROF, bench/support/child.ts)
 * by bytes allocated, and, given the number of messages or round trips the profile covered, per one.
 *   node bench/tools/heapprofile-top.js PROFILE.heapprofile [PER] [N]
 */
const fs = require('node:fs');
const [file, perArg, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: heapprofile-top.js PROFILE.heapprofile [PER] [N]');
  process.exit(2);
}
const { head } = JSON.parse(fs.readFileSync(file, 'utf8'));
const per = Number(perArg ?? 1);
const bySite = new Map();
(function walk(node) {
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(lib|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
})(head);
const total = [...bySite.values()].reduce((a, b) => a + b, 0);
const rows = [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25));
const unit = per === 1 ? 'bytes' : 'bytes each';
for (const [key, bytes] of rows) console.log(`${(bytes / per).toFixed(1).padStart(10)} ${unit} ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${key}`);
console.log(`${(total / per).toFixed(1).padStart(10)} ${unit} total`);
