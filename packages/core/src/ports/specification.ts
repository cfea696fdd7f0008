/**
 * Versioned port specifications: adapters are released independently, so each one says which
 * version of its port it implements, and receivers check before use.
 *
 * @module
 */
import { UnsupportedSpecificationError } from '../errors.js';

/** The port versions this release of core defines. */
export type SpecificationVersion =
  | 'sandbox-v1'
  | 'jit-credential-issuer-v1'
  | 'kill-switch-v1'
  | 'approval-workflow-v1'
  | 'approval-store-v1'
  | 'secret-store-v1'
  | 'rate-limiter-v1';

/** What every adapter carries so that a receiver can check compatibility before calling it. */
export interface ProviderIdentity<Version extends SpecificationVersion> {
  /** The port version implemented, as a literal. */
  readonly specificationVersion: Version;
  /** Identifies the backend, for example `"docker"` or `"stub"`. */
  readonly providerId: string;
}

/**
 * Returns `adapter` when it implements `expected`, else throws a clear
 * {@link UnsupportedSpecificationError} instead of failing later, deep inside a call.
 *
 * @param role names the adapter's role in the message, for example `"sandbox"`.
 */
export function assertSpecification<Adapter extends ProviderIdentity<SpecificationVersion>>(
  adapter: Adapter,
  expected: Adapter['specificationVersion'],
  role: string,
): Adapter {
  const actual = (adapter as Partial<ProviderIdentity<SpecificationVersion>> | undefined)?.specificationVersion;
  if (actual !== expected) {
    const provider = (adapter as { providerId?: unknown } | undefined)?.providerId;
    throw new UnsupportedSpecificationError({
      message: `The ${role} adapter${typeof provider === 'string' ? ` "${provider}"` : ''} implements ${
        actual === undefined ? 'no known specification' : `"${String(actual)}"`
      }, but "${expected}" is required; upgrade the adapter package or @warden/core so they match`,
    });
  }
  return adapter;
}
