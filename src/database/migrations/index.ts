import { InitialSchema1764166000000 } from './1764166000000-initial-schema';

/** Checked-in migrations, in order; run at start-up. */
export const MIGRATIONS = [InitialSchema1764166000000];
