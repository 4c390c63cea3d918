// Lints an OpenAPI document with Redocly's linter (@redocly/openapi-core
// with its "recommended" rules; every warning counts) and prints each
// problem; with JSONOUT, also writes the document as JSON there, for the
// GPT rules test_openapi.py checks (Python's standard library reads no
// YAML).  Run by test_openapi.py on the schema as the server serves it:
//     node test_openapi.js FILE [JSONOUT]
// Exit status 0 clean, 1 problems found, 2 could not run.
'use strict';

const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const redocly = require('@redocly/openapi-core');

async function main() {
  const file = process.argv[2];
  const jsonOut = process.argv[3];
  if (!file) {
    console.error('usage: node test_openapi.js FILE [JSONOUT]');
    return 2;
  }
  const source = fs.readFileSync(file, 'utf8');
  if (jsonOut) {
    // JSON_SCHEMA: plain YAML 1.2 data, no custom types.
    const doc = yaml.load(source, { schema: yaml.JSON_SCHEMA });
    fs.writeFileSync(jsonOut, JSON.stringify(doc));
  }
  // info-license is off: the project has not published a licence yet.
  const config = await redocly.createConfig({
    extends: ['recommended'],
    rules: { 'info-license': 'off' },
  });
  const problems = await redocly.lintFromString({
    source,
    absoluteRef: path.resolve(file),
    config,
  });
  for (const p of problems) {
    const where = (p.location || []).map((l) => l.pointer).join(' ');
    console.log(`${p.severity} ${p.ruleId}: ${p.message} at ${where}`);
  }
  console.log(`lint: ${problems.length} problem(s)`);
  return problems.length === 0 ? 0 : 1;
}

main().then((rc) => process.exit(rc), (e) => {
  console.error('lint could not run:', e && e.stack ? e.stack : e);
  process.exit(2);
});
