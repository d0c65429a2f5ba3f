// TypeORM CLI data source (`npx typeorm -d dist/ormconfig.js migration:run`).
// Needs DATABASE_URL; the app itself also starts an embedded PostgreSQL when it is unset.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options';

if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must be set for the TypeORM CLI');
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL));
