/**
 * The labels that mark a container as a Warden sandbox, so cleanup and the startup sweep find
 * orphans and never touch anything else.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type SandboxConstraints } from '@warden/core';

/** Label keys Warden puts on every sandbox container. */
export const SANDBOX_LABELS = {
  /** Marks a Warden sandbox; the value is the label schema version. */
  sandbox: 'dev.warden.sandbox',
  /** The `ownerId` of the application that created it. */
  owner: 'dev.warden.owner',
  /** The session name given to `createSandbox(sessionName)`, or empty. */
  session: 'dev.warden.session',
  /** When it was created (ISO-8601). */
  createdAt: 'dev.warden.created-at',
  /** Digest of the container-level configuration; the warm pool hands out only exact matches. */
  configHash: 'dev.warden.config-hash',
  /** The effective constraints without environment values (which may be sensitive), as JSON. */
  constraints: 'dev.warden.constraints',
} as const;

/** Value of {@link SANDBOX_LABELS}.sandbox for containers created by this version. */
const SANDBOX_LABEL_VERSION = '1';

/** What goes into a sandbox's labels. */
export interface SandboxLabelInput {
  ownerId: string;
  session: string;
  createdAt: string;
  configHash: string;
  constraints: SandboxConstraints;
  extra: Readonly<Record<string, string>>;
}

/** Constraints as recorded in a label: everything but environment values. */
function constraintsForLabel(constraints: SandboxConstraints): SandboxConstraints {
  const { env, ...rest } = constraints;
  return env === undefined ? rest : { ...rest, env: Object.fromEntries(Object.keys(env).map((name) => [name, ''])) };
}

/** Builds the labels of a sandbox container. */
export function buildSandboxLabels(input: SandboxLabelInput): Record<string, string> {
  return {
    ...input.extra,
    [SANDBOX_LABELS.sandbox]: SANDBOX_LABEL_VERSION,
    [SANDBOX_LABELS.owner]: input.ownerId,
    [SANDBOX_LABELS.session]: input.session,
    [SANDBOX_LABELS.createdAt]: input.createdAt,
    [SANDBOX_LABELS.configHash]: input.configHash,
    [SANDBOX_LABELS.constraints]: JSON.stringify(constraintsForLabel(input.constraints)),
  };
}

/** SHA-256 of the canonical JSON of `configuration`: equal configurations give equal hashes. */
export function hashConfiguration(configuration: unknown): string {
  return createHash('sha256').update(canonicalJson(configuration)).digest('hex');
}

/** The label filter that selects this owner's Warden sandboxes in `listContainers`. */
export function ownerLabelFilter(ownerId: string): { label: string[] } {
  return { label: [`${SANDBOX_LABELS.sandbox}`, `${SANDBOX_LABELS.owner}=${ownerId}`] };
}

/** Reads the constraints label back; an unreadable label gives `{}` rather than an error. */
export function constraintsFromLabels(labels: Readonly<Record<string, string>> | undefined): SandboxConstraints {
  try {
    const parsed: unknown = JSON.parse(labels?.[SANDBOX_LABELS.constraints] ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as SandboxConstraints) : {};
  } catch {
    return {};
  }
}
