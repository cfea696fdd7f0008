/**
 * Session names, as they appear in container names and labels.
 *
 * @module
 */
import { parseInput } from '@warden/core';
import { z } from 'zod';

/** A session name as it appears in container names and labels; empty for none. */
const sessionNameSchema = z.union([
  z.literal(''),
  z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
      'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit',
    ),
]);

/** Checks a session name (`INVALID_INPUT` naming it otherwise). */
export function assertSessionName(session: unknown): void {
  parseInput(sessionNameSchema, session, 'session name');
}
