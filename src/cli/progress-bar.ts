/**
 * Progress of a slot move on stderr: a redrawn bar with keys/s and ETA on a
 * terminal, a plain line about once a second otherwise (logs, CI).
 */
export interface MoveCounters {
  slotsDone: number;
  slotsTotal: number;
  keysDone: number;
  keysTotal: number;
}

export interface ProgressBar {
  update(p: MoveCounters): void;
  /** Draws the final state and ends the line; safe to call more than once, or with no update. */
  done(): void;
}

export function moveProgressBar(quiet = false, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (quiet) return { update() {}, done() {} };
  const tty = stream.isTTY === true;
  let start = 0; // set by the first update: the rate counts moving time only
  let last: MoveCounters | undefined;
  let lastDraw = 0;
  let finished = false;
  let drawn: MoveCounters | undefined;
  const draw = (final: boolean) => {
    if (!last || finished) return;
    finished = final;
    if (!tty && drawn === last) return; // plain lines: never the same line twice
    drawn = last;
    const line = describe(last, Date.now() - start, tty ? Math.max(10, Math.min(30, (stream.columns ?? 80) - 70)) : 0);
    if (tty) stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
  return {
    update(p) {
      if (!last) start = Date.now();
      last = p;
      const now = Date.now();
      if (now - lastDraw >= (tty ? 100 : 1000)) {
        lastDraw = now;
        draw(false);
      }
    },
    done() {
      draw(true);
    },
  };
}

/** One line of progress; `barWidth` 0 leaves the bar out. Exported for tests. */
export function describe(p: MoveCounters, elapsedMs: number, barWidth: number): string {
  // Progress by keys when there are any (that is where the time goes), else by slots.
  const frac = p.keysTotal > 0 ? Math.min(1, p.keysDone / p.keysTotal) : p.slotsTotal > 0 ? p.slotsDone / p.slotsTotal : 1;
  const rate = elapsedMs > 0 ? (p.keysDone * 1000) / elapsedMs : 0;
  const etaMs = frac > 0 && frac < 1 ? (elapsedMs / frac) * (1 - frac) : 0;
  const filled = Math.round(frac * barWidth);
  const bar = barWidth > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ` : '';
  return (
    `${bar}${(frac * 100).toFixed(0).padStart(3)}%  ${p.slotsDone}/${p.slotsTotal} slots  ${p.keysDone}/${p.keysTotal} keys  ` +
    `${Math.round(rate)} keys/s  ${frac >= 1 ? `done in ${(elapsedMs / 1000).toFixed(1)}s` : `ETA ${(etaMs / 1000).toFixed(1)}s`}`
  );
}
