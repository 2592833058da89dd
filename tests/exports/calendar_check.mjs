// Reads NephroDiary's calendar files with two JavaScript parsers the project did not write —
// ical.js (the parser in Thunderbird, which converts times with the file's own VTIMEZONE) and
// node-ical — expands every repeating dose for ten years and checks each occurrence against
// the zone as the ICU time-zone database of Node knows it: the dose falls at its local clock
// time (08:00 or 20:00) on every day, before and after every daylight-saving change, and no day
// is missing or doubled.
//
// Usage (beside the node_modules it imports from; scripts/test-exports.sh copies it there):
//   node calendar_check.mjs FILE.ics ZONE [FILE.ics ZONE …]
// Prints each check and a closing `N passed, M failed`; exits 1 on any failure.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const nodeIcal = require('node-ical');
const version = (p) => JSON.parse(readFileSync(join(here, 'node_modules', p, 'package.json'), 'utf8')).version;

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

const FROM = Date.UTC(2026, 0, 1) - 14 * 3600e3; // before 2026-01-01 00:00 anywhere
const YEARS = 10;
const TO = Date.UTC(2026 + YEARS, 0, 1) + 14 * 3600e3; // after its end anywhere

/** The local date and HH:MM of an instant in `zone` (ICU). */
function local(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t) => parts.find((p) => p.type === t).value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

/** Checks one parser's occurrences of the two daily doses. */
function judge(parser, file, zone, instants) {
  const inRange = instants.filter((ms) => {
    const l = local(ms, zone);
    return l.date >= '2026-01-01' && l.date < `${2026 + YEARS}-01-01`;
  });
  const days = Math.round((Date.UTC(2026 + YEARS, 0, 1) - Date.UTC(2026, 0, 1)) / 86400e3);
  const wrong = inRange.filter((ms) => !['08:00', '20:00'].includes(local(ms, zone).time));
  const keys = new Set(inRange.map((ms) => `${local(ms, zone).date} ${local(ms, zone).time}`));
  check(
    wrong.length === 0 && keys.size === days * 2 && inRange.length === days * 2,
    `${parser}: ${file} (${zone}): ${inRange.length} doses over ${YEARS} years at 08:00 and 20:00 local time ` +
      `(expected ${days * 2}; ${wrong.length} at another time` +
      (wrong.length ? `, first ${new Date(wrong[0]).toISOString()} = ${local(wrong[0], zone).time}` : '') +
      ')',
  );
}

console.log(`tools: ical.js ${version('ical.js')}, node-ical ${version('node-ical')}, ICU ${process.versions.icu} (tz ${process.versions.tz})`);
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const [file, zone] = [args[i], args[i + 1]];
  const text = readFileSync(file, 'utf8');

  // ical.js, with the file's own VTIMEZONE.
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
  }
  const found = [];
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    if (!event.isRecurring()) continue;
    const it = event.iterator();
    for (let next = it.next(); next; next = it.next()) {
      const ms = next.toJSDate().getTime();
      if (ms >= TO) break;
      if (ms >= FROM) found.push(ms);
    }
  }
  judge('ical.js', file, zone, found);

  // node-ical.
  const parsed = nodeIcal.sync.parseICS(text);
  const instances = Object.values(parsed)
    .filter((e) => e.type === 'VEVENT' && e.rrule)
    .flatMap((e) => nodeIcal.expandRecurringEvent(e, { from: new Date(FROM), to: new Date(TO) }));
  judge('node-ical', file, zone, instances.map((x) => new Date(x.start).getTime()));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
