// Test support for the console's browser tests: Debian's chromium driven by playwright-core
// (never a downloaded browser), axe-core, screenshots, and the operator's moves on the pages.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { isCi } from '@warden/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

/** Where screenshots and accessibility reports go (gitignored). */
const ARTIFACTS_DIR: string = fileURLToPath(new URL('../../../test-artifacts/console/', import.meta.url));

const chromiumPath = (): string => process.env.WARDEN_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Declares a suite that needs Debian's chromium (`scripts/services up` installs it). Under CI a
 * missing browser fails the suite; elsewhere it is skipped with one loud line, never silently.
 */
export function describeWithChromium(title: string, body: () => void): void {
  if (existsSync(chromiumPath())) {
    describe(title, body);
    return;
  }
  if (isCi()) {
    describe(title, () => {
      it('needs chromium', () => {
        throw new Error(`${chromiumPath()} is missing: CI requires the "${title}" suite (scripts/services up)`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING browser suite "${title}": ${chromiumPath()} is missing (apt-get install chromium).\n`);
  describe.skip(title, body);
}

/** Starts Debian's chromium headless. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    timeout: 120_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Signs in through the form, as an operator would. */
export async function signInAs(page: Page, consoleUrl: string, token: string): Promise<void> {
  await page.goto(`${consoleUrl}/sign-in`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'), { timeout: 30_000 });
}

/** One page's axe result: violations by impact. */
export interface AxeSummary {
  /** The page. */
  name: string;
  /** Violation ids with their impact. */
  violations: { id: string; impact: string | null | undefined; nodes: number }[];
}

/** Runs axe-core on the page and writes its report; returns the summary. */
export async function checkAccessibility(page: Page, name: string): Promise<AxeSummary> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const summary: AxeSummary = {
    name,
    violations: result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.length,
    })),
  };
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(join(ARTIFACTS_DIR, `axe-${name}.json`), `${JSON.stringify(result.violations, null, 2)}\n`);
  return summary;
}

/** The serious and critical violations of a summary. */
export function seriousViolations(summary: AxeSummary): AxeSummary['violations'] {
  return summary.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** Writes a full-page screenshot to the artefacts directory. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}
