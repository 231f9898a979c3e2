/// <reference lib="dom" />
/**
 * The live web view in a real browser (issue 18): Debian's headless Chromium, driven by
 * playwright-core, loads the supervisor's page and sees every member and the slot counts;
 * after `rck kill` of a master the new roles appear without a reload (Server-Sent Events);
 * while `rck bench consistency` runs, its ops/s and latency show.
 * Screenshots go to $RCK_SCREENSHOT_DIR when set (the README's pictures), else nowhere.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.RCK_SCREENSHOT_DIR;

describe('web view in headless Chromium (rck up, rck dashboard, open the page, rck kill a master)', () => {
  let h: LocalClusterHarness;
  let browser: Browser | undefined;
  let page: Page;
  let s: StatusJson & { http?: string };
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup.sh --test installs Debian's chromium`);
    h = await LocalClusterHarness.create();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.cleanup();
  });

  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, name), fullPage: true });
  };
  const roles = () => page.$$eval('tr[data-member]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-member'), r.querySelector('.role')!.textContent])));

  it('shows every member, their roles and slot counts, and 16384 slots served', async () => {
    s = (await h.upReady()) as typeof s;
    page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    // `rck dashboard` prints the address the status gives.
    const address = (await h.ok(['dashboard', '--name', h.name])).stdout.split('\n')[0]!;
    expect(address).toBe(`${s.http}/`);
    await page.goto(address);
    await page.waitForFunction(() => document.getElementById('slots-served')?.textContent === '16384 of 16384 slots served', undefined, { timeout: 30_000 });
    await page.waitForFunction((n) => document.querySelectorAll('tr[data-member]').length === n, s.members.length, { timeout: 10_000 });
    expect(Object.keys(await roles()).sort()).toEqual(s.members.map((m) => m.name).sort());
    expect(await roles()).toEqual(Object.fromEntries(s.members.map((m) => [m.name, m.role])));
    // The legend's slot count per master equals what rck status says each serves.
    const legend = await page.$$eval('.legend [data-master]', (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-master'), Number(e.querySelector('.slot-count')!.textContent)])),
    );
    expect(legend).toEqual(Object.fromEntries(s.members.filter((m) => m.role === 'master').map((m) => [m.name, m.slots])));
    expect(await page.textContent('#members-up')).toBe(`${s.members.length}/${s.members.length} members up`);
    expect(await page.$$('.shard[data-shard]')).toHaveLength(3);
    await shot('web-view.png');
  });

  it('after rck kill of a master, the new roles appear without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const victim = s.members.find((m) => m.role === 'master')!;
    const heir = s.members.find((m) => m.role === 'replica' && m.master === victim.name)!;
    await h.ok(['kill', victim.name, '--name', h.name]);
    await page.waitForFunction(
      ([v, r]) => {
        const role = (n: string) => document.querySelector(`tr[data-member="${n}"] .role`)?.textContent;
        return role(v!) === 'replica' && role(r!) === 'master' && document.getElementById('slots-served')?.textContent === '16384 of 16384 slots served';
      },
      [victim.name, heir.name],
      { timeout: 60_000 },
    );
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    const after = await h.status();
    expect(await roles()).toEqual(Object.fromEntries(after.members.map((m) => [m.name, m.role])));
    await shot('web-view-after-kill.png');
  });

  it('while rck bench consistency runs, its ops/s and latency appear; they go once it stops', async () => {
    const bench = h.rck(['bench', 'consistency', '--name', h.name, '--duration', '8s', '--keys', '100', '--workers', '4', '--json']);
    await page.waitForFunction(() => Number(document.getElementById('workload-ops')?.textContent) > 0, undefined, { timeout: 30_000 });
    expect(await page.textContent('#workload')).toMatch(/^bench consistency: \d+ ops\/s, \d+ errors\/s, latency p50 [\d.]+ ms, p99 [\d.]+ ms$/);
    await shot('web-view-workload.png');
    const r = await bench;
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { opsPerSec: number; lostWrites: number };
    expect(report.lostWrites).toBe(0);
    expect(report.opsPerSec).toBeGreaterThan(0);
    // No report for 3 s: the line goes at the next update of the view.
    await page.waitForFunction(() => document.getElementById('workload')?.textContent === '', undefined, { timeout: 30_000 });
  });
});
