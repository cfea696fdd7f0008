/**
 * An exported audit log: every entry and every stored checkpoint in one JSON document, for
 * verification on another machine.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '@warden/core';
import { createFileAuditStorage, type FileAuditStorageRecovery } from '../storage/file-storage.js';
import type { AuditStorage } from '../storage/port.js';

/** The JSON form of an exported log. */
export interface AuditBundle {
  /** Format marker. */
  format: 'warden-audit-bundle/v1';
  /** Every entry, base64, in order. */
  entries: string[];
  /** Every stored checkpoint note, in order. */
  checkpoints: string[];
}

/** Settings of {@link exportAuditBundle}. */
export interface ExportAuditBundleConfig {
  /** The log's directory (as given to `createAuditLog`). */
  directory: string;
}

/** The raw contents of a log, as the verifier reads them. */
export interface LoadedLog {
  records: Uint8Array[];
  checkpoints: string[];
  tornTail?: FileAuditStorageRecovery;
}

async function readAll(storage: AuditStorage): Promise<Uint8Array[]> {
  try {
    return await storage.read(0, await storage.size());
  } finally {
    await storage.close();
  }
}

/** A log directory opened read-only: its entry storage (the caller closes it) and its checkpoints. */
export interface OpenedLogDirectory {
  entries: AuditStorage;
  checkpoints: string[];
  tornTail?: FileAuditStorageRecovery;
}

/** Opens a log directory without changing it (a torn tail is skipped and reported); entries are read on demand. */
export async function openLogDirectory(directory: string): Promise<OpenedLogDirectory> {
  await checkLogDirectory(directory);
  const entries = createFileAuditStorage({ directory: join(directory, 'entries'), readOnly: true });
  const checkpoints = createFileAuditStorage({ directory: join(directory, 'checkpoints'), readOnly: true });
  try {
    const tornTail = await entries.open();
    await checkpoints.open();
    const notes = (await readAll(checkpoints)).map((note) => Buffer.from(note).toString('utf8'));
    return tornTail ? { entries, checkpoints: notes, tornTail } : { entries, checkpoints: notes };
  } catch (error) {
    await entries.close().catch(() => undefined);
    throw error;
  }
}

/** Reads a log directory without changing it (a torn tail is skipped and reported). */
async function loadLogDirectory(directory: string): Promise<LoadedLog> {
  const { entries, ...rest } = await openLogDirectory(directory);
  return { records: await readAll(entries), ...rest };
}

/**
 * Refuses a path that is not an audit log directory: read as a log, a typo (or a directory
 * without `entries/`) would be an empty log, which verifies, so a verifier would answer "OK".
 */
async function checkLogDirectory(directory: string): Promise<void> {
  const entries = await stat(join(directory, 'entries')).catch(() => undefined);
  if (entries?.isDirectory()) return;
  const exists = await stat(directory).then(
    (found) => found.isDirectory(),
    () => false,
  );
  throw new InvalidInputError({
    message: exists
      ? `${directory} is not an audit log directory (it has no entries/ folder)`
      : `cannot read ${directory}: no such directory`,
    issues: [{ path: 'directory', message: exists ? 'is not an audit log directory' : 'does not exist' }],
  });
}

/** Loads a bundle's contents; throws `INVALID_INPUT` when it is not a bundle. */
export function loadBundle(bundle: AuditBundle): LoadedLog {
  if (
    bundle?.format !== 'warden-audit-bundle/v1' ||
    !Array.isArray(bundle.entries) ||
    !Array.isArray(bundle.checkpoints) ||
    ![...bundle.entries, ...bundle.checkpoints].every((item) => typeof item === 'string')
  ) {
    throw new InvalidInputError({
      message: 'not a warden-audit-bundle/v1 document',
      issues: [{ path: 'bundle', message: 'invalid' }],
    });
  }
  return { records: bundle.entries.map((entry) => Buffer.from(entry, 'base64')), checkpoints: [...bundle.checkpoints] };
}

/** Exports a log directory as a bundle (read-only). */
export async function exportAuditBundle(config: ExportAuditBundleConfig): Promise<AuditBundle> {
  const log = await loadLogDirectory(config.directory);
  return {
    format: 'warden-audit-bundle/v1',
    entries: log.records.map((record) => Buffer.from(record).toString('base64')),
    checkpoints: log.checkpoints,
  };
}
