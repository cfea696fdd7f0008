import type { ViteUserConfig } from 'vitest/config';
import { wardenVitestConfig } from '../../vitest.shared.ts';

const config: ViteUserConfig = wardenVitestConfig();
export default config;
