import type { ViteUserConfig } from 'vitest/config';
import { wardenVitestConfig } from '../../vitest.shared.ts';

// The guides' examples that are tests run as they are written; test/ checks the rest.
const config: ViteUserConfig = wardenVitestConfig({ unitInclude: ['examples/**/*.test.ts', 'test/**/*.test.ts'] });
export default config;
