/**
 * `@warden/core/policy`: building blocks of the policy engine for packages that apply policy
 * themselves (the gateway's forward rules): glob lists matched without regular-expression
 * back-tracking, and session access evaluated exactly as the engine's `checkSessionAccess`
 * does, without its enforcement mode or events. Applications call the engine (`checkToolAccess`,
 * `checkSessionAccess`, …) instead and rarely need this module.
 *
 * @module @warden/core/policy
 */

export { compileGlobList, type GlobList, isGlob, matchGlob } from './glob.js';
export { findSandboxLoosening, layerSandbox, type SandboxLoosening } from './sandbox-defaults.js';
export { evaluateSessionAccess, type PolicyVerdict } from './session-access.js';
