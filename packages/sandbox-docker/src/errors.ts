/**
 * Engine errors turned into Warden's typed errors, so callers branch on `code` and never see a
 * bare dockerode error.
 *
 * @module
 */
import { BackendUnavailableError, ConflictError, InvalidInputError, WardenError } from '@warden/core';

interface EngineError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string } | null;
}

/** The engine's own message for an error, without dockerode's "(HTTP code …)" prefix. */
function engineMessage(error: unknown): string {
  const engineError = (error ?? {}) as EngineError;
  const fromJson = engineError.json && typeof engineError.json === 'object' ? engineError.json.message : undefined;
  return (fromJson ?? engineError.message ?? String(error)).trim();
}

/** The HTTP status of an engine error, if it has one. */
export function engineStatus(error: unknown): number | undefined {
  const status = (error as EngineError | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Maps an engine error to a {@link WardenError}: 400 → `INVALID_INPUT`, 409 → `CONFLICT`,
 * anything else (connection refused, 5xx, a missing image) → `BACKEND_UNAVAILABLE`.
 * Warden errors pass through unchanged.
 *
 * @param doing what the adapter was doing, for the message (`"creating a sandbox"`).
 */
export function toWardenError(error: unknown, doing: string): WardenError {
  if (WardenError.isInstance(error)) return error;
  const status = engineStatus(error);
  const message = `Docker failed while ${doing}: ${engineMessage(error)}`;
  if (status === 400) return new InvalidInputError({ message, cause: error });
  if (status === 409) return new ConflictError({ message, cause: error });
  return new BackendUnavailableError({ backend: 'docker', message, cause: error });
}
