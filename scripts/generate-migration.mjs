// Prints the SQL that would bring DATABASE_URL's schema in line with the entities
// (run against a database migrated to the current head): the body of a new migration.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { DataSource } = require('typeorm');
const { dataSourceOptions } = require('../dist/src/database/data-source-options.js');
const ds = new DataSource(dataSourceOptions(process.env.DATABASE_URL));
await ds.initialize();
await ds.runMigrations();
const sql = await ds.driver.createSchemaBuilder().log();
for (const q of sql.upQueries) console.log('UP  ', q.query.replace(/\s+/g, ' '));
for (const q of sql.downQueries.reverse()) console.log('DOWN', q.query.replace(/\s+/g, ' '));
await ds.destroy();
