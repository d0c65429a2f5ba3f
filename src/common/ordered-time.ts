let lastMs = 0;
let sameMs = 0;

/** A moment as `orderedNow` gives it: the wall clock's millisecond, and the same moment to the microsecond. */
export interface OrderedMoment {
  date: Date;
  /** ISO 8601 with six fractional digits, as PostgreSQL's `timestamptz` reads it. */
  text: string;
}

/**
 * Now, for rows written behind in batches (one transaction, one `now()`): the wall clock's
 * millisecond, then a count of the moments taken within it as microseconds. Each moment is
 * later than the one before in this process, even within one millisecond or when the clock
 * steps back, so listing rows newest first gives the order things happened in.
 */
export function orderedNow(): OrderedMoment {
  const now = Date.now();
  if (now > lastMs) [lastMs, sameMs] = [now, 0];
  else sameMs = Math.min(sameMs + 1, 999);
  const iso = new Date(lastMs).toISOString();
  return { date: new Date(lastMs), text: `${iso.slice(0, -1)}${String(sameMs).padStart(3, '0')}Z` };
}
