// Prints the SQL that would bring DATABASE_URL's schema in line with the entities (after
// migrating it to the current head): the body of a new migration. The same check runs in
// the tests (src/database/schema-drift.spec.ts) and fails while this prints anything.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { schemaDrift } = require('../dist/src/database/schema-drift.js');
if (!process.env.DATABASE_URL) {
  console.error('Set DATABASE_URL to a scratch database (it is migrated to the head first).');
  process.exit(1);
}
const { up, down } = await schemaDrift(process.env.DATABASE_URL);
if (!up.length) console.error('The entities and the migrations agree: nothing to generate.');
for (const q of up) console.log('UP  ', q);
for (const q of down) console.log('DOWN', q);
