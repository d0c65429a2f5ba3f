import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

export interface SchemaDrift {
  /** What would bring the schema in line with the entities: the body of a new migration. */
  up: string[];
  down: string[];
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * Migrates the database at `url` to the head, then asks TypeORM what the entities still
 * need. Empty when entities and migrations agree. Used by `npm run migration:generate`
 * and by the test that fails when they disagree.
 */
export async function schemaDrift(url: string): Promise<SchemaDrift> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    await ds.runMigrations();
    const sql = await ds.driver.createSchemaBuilder().log();
    return {
      up: sql.upQueries.map((q) => oneLine(q.query)),
      down: [...sql.downQueries].reverse().map((q) => oneLine(q.query)),
    };
  } finally {
    await ds.destroy();
  }
}
