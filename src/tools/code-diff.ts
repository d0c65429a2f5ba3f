import { createTwoFilesPatch, formatPatch } from 'diff';
import { ComputeBusy, ComputeTimeout, computeTask, runCompute } from '../common/compute/compute-pool';

/** Two versions' code as a unified diff, and whether it could be computed line by line. */
export interface CodeDiff {
  diff: string;
  /** `lines`: a line-by-line diff. `whole_file`: too costly to compute, shown as removing all old lines and adding all new ones. */
  mode: 'lines' | 'whole_file';
  /** Why the diff is a whole-file replacement; null for a line-by-line diff. */
  note: string | null;
}

export interface DiffLabels {
  oldName: string;
  newName: string;
  oldHeader: string;
  newHeader: string;
}

/**
 * Myers' diff costs (lines × changed lines): two 95 KB files with most lines changed take
 * minutes. It runs in a compute worker, gives up past MAX_CHANGED_LINES or DIFF_TIMEOUT_MS
 * (jsdiff's own bounds), and the worker is stopped at DIFF_DEADLINE_MS in any case.
 */
export const MAX_CHANGED_LINES = 5000;
export const DIFF_TIMEOUT_MS = 1000;
const DIFF_DEADLINE_MS = 5000;

/** Runs in a compute worker: the line-by-line diff, or null when its bounds were hit. */
export function lineDiffInWorker(oldText: string, newText: string, labels: DiffLabels): string | null {
  if (changedLinesAtLeast(oldText, newText) > MAX_CHANGED_LINES) return null;
  return (
    createTwoFilesPatch(labels.oldName, labels.newName, oldText, newText, labels.oldHeader, labels.newHeader, {
      maxEditLength: MAX_CHANGED_LINES,
      timeout: DIFF_TIMEOUT_MS,
    }) ?? null
  );
}

/**
 * A lower bound of the diff's edit length, in O(lines): every line of one side with no equal
 * line left on the other must be removed or added. Past the bound, no need to try.
 */
export function changedLinesAtLeast(oldText: string, newText: string): number {
  const counts = new Map<string, number>();
  for (const line of oldText.split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of newText.split('\n')) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else added++;
  }
  let removed = 0;
  for (const left of counts.values()) removed += left;
  return added + removed;
}

const LINE_DIFF = computeTask(__filename, { lineDiffInWorker });

export async function diffCode(oldText: string, newText: string, labels: DiffLabels): Promise<CodeDiff> {
  let diff: string | null = null;
  let why = `more than ${MAX_CHANGED_LINES} changed lines, or more than ${DIFF_TIMEOUT_MS / 1000} s of work`;
  try {
    diff = await runCompute(LINE_DIFF, [oldText, newText, labels], { deadlineMs: DIFF_DEADLINE_MS });
  } catch (err) {
    if (err instanceof ComputeBusy) why = 'the server is busy with other CPU-heavy requests';
    else if (!(err instanceof ComputeTimeout)) throw err;
  }
  if (diff !== null) return { diff, mode: 'lines', note: null };
  return {
    diff: wholeFileReplacement(oldText, newText, labels),
    mode: 'whole_file',
    note: `Too costly to diff line by line (${why}): shown as a replacement of the whole file.`,
  };
}

/** One hunk that removes every old line and adds every new one, in jsdiff's own format. O(size). */
export function wholeFileReplacement(oldText: string, newText: string, labels: DiffLabels): string {
  const oldLines = patchLines(oldText, '-');
  const newLines = patchLines(newText, '+');
  const hunks =
    oldText === newText
      ? []
      : [
          {
            // jsdiff's convention: formatPatch prints an empty side's start as start - 1 (`-0,0`).
            oldStart: 1,
            oldLines: oldLines.count,
            newStart: 1,
            newLines: newLines.count,
            lines: [...oldLines.lines, ...newLines.lines],
          },
        ];
  return formatPatch({
    oldFileName: labels.oldName,
    newFileName: labels.newName,
    oldHeader: labels.oldHeader,
    newHeader: labels.newHeader,
    hunks,
  });
}

function patchLines(text: string, sign: '-' | '+'): { lines: string[]; count: number } {
  if (text === '') return { lines: [], count: 0 };
  const parts = text.split('\n');
  const endsWithNewline = parts[parts.length - 1] === '';
  if (endsWithNewline) parts.pop();
  const lines = parts.map((l) => sign + l);
  if (!endsWithNewline) lines.push('\\ No newline at end of file');
  return { lines, count: parts.length };
}
