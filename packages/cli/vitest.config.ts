import type { ViteUserConfig } from 'vitest/config';
import { wardenVitestConfig } from '../../vitest.shared.ts';

// Each operator test runs the command several times as a fresh Node process (five to seven runs
// of 5-15 s each on a loaded CI machine): the guard against a hang is sized for that.
const config: ViteUserConfig = wardenVitestConfig({ integrationTimeoutMs: 300_000 });
export default config;
