/** Terminal output: results on stdout, progress on stderr, plain when not a TTY. */
import { createRequire } from 'node:module';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Progress lines on stderr, with elapsed time, so stdout stays clean for results. */
export function progressPrinter(quiet = false): (line: string) => void {
  const start = Date.now();
  return (line) => {
    if (quiet) return;
    const t = ((Date.now() - start) / 1000).toFixed(2).padStart(6);
    process.stderr.write(`[${t}s] ${line}\n`);
  };
}

export function useColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

let table: typeof import('cli-table3') | undefined;

/** Loads the table library (on first use: most progress output never draws a table). */
export function loadTable(): typeof import('cli-table3') {
  return (table ??= createRequire(import.meta.url)('cli-table3') as typeof import('cli-table3'));
}

/** A borderless, left-aligned table like kubectl's. */
export function renderTable(head: string[], rows: (string | number)[][]): string {
  const Table = loadTable();
  const t = new Table({
    head,
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: useColor() ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const r of rows) t.push(r.map(String));
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}
