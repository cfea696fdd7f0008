import type { ViteUserConfig } from 'vitest/config';
import { wardenVitestConfig } from '../../vitest.shared.ts';

const config: ViteUserConfig = wardenVitestConfig();
// @opentelemetry/api's "module" build uses extensionless imports that Node's ESM loader refuses:
// resolve it (and everything else) by the Node conditions only.
const conditions = ['warden-source', 'node', 'development|production'];
config.resolve = { ...config.resolve, conditions };
config.ssr = { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } };
export default config;
