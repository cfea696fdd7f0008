/**
 * An Ed25519 witness (c2sp.org/tlog-cosignature): it cosigns a checkpoint only after checking
 * the log's signature and that the new tree extends the last one it saw, so a log that shows
 * two histories to two readers cannot get both cosigned.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { type Clock, systemClock } from '@warden/core';
import { AuditLogTamperedError } from '../errors.js';
import { equalHashes } from '../merkle/hash.js';
import { verifyConsistency } from '../merkle/proof.js';
import { type Checkpoint, verifyCheckpointNote } from './checkpoint.js';
import { cosignCheckpoint } from './cosignature.js';
import {
  ED25519_COSIGNATURE_TYPE,
  type Ed25519PrivateKeyInput,
  formatVerifierKey,
  parseVerifierKey,
  toEd25519PrivateKey,
} from './keys.js';
import { parseNote } from './signed-note.js';

/** What a log sends a witness. */
export interface CosignRequest {
  /** The signed checkpoint note. */
  note: string;
  /** The size of the last checkpoint the log believes this witness saw (0 at first). */
  oldSize: number;
  /** Consistency proof from `oldSize` to the new size. */
  consistencyProof: readonly Uint8Array[];
}

/** A cosigner of checkpoints (local, or a client of a remote witness). */
export interface AuditWitness {
  /** The witness's key name. */
  readonly name: string;
  /** Returns the cosignature line (`— <name> <base64>\n`) for the checkpoint, or throws. */
  cosign(request: CosignRequest): Promise<string>;
}

/** Settings of {@link createEd25519Witness}. */
export interface Ed25519WitnessConfig {
  /** The witness's key name, for example `witness.example.com/w1`. */
  name: string;
  /** The witness's Ed25519 private key. */
  privateKey: Ed25519PrivateKeyInput;
  /** The verifier key of the log it watches (`<origin>+<id>+<key>`, see `AuditLog.verifierKey`). */
  logVerifierKey: string;
  /** Time source for the cosignature timestamps. @default Date.now */
  now?: Clock;
}

/** An in-process witness, plus its verifier key for readers. */
export interface Ed25519Witness extends AuditWitness {
  /** `<name>+<key id>+<base64(0x04 || key)>`, to configure readers with. */
  readonly verifierKey: string;
}

/** Creates a witness that keeps the last checkpoint it cosigned in memory. */
export function createEd25519Witness(config: Ed25519WitnessConfig): Ed25519Witness {
  const privateKey = toEd25519PrivateKey(config.privateKey, 'privateKey');
  const publicKey = createPublicKey(privateKey);
  const log = parseVerifierKey(config.logVerifierKey, 'logVerifierKey');
  const now = config.now ?? systemClock;
  let seen: Checkpoint | undefined;
  return {
    name: config.name,
    verifierKey: formatVerifierKey(config.name, publicKey, ED25519_COSIGNATURE_TYPE),
    async cosign(request) {
      // Only a checkpoint of the log it watches (its origin line, not just its key) is cosigned.
      const checkpoint = verifyCheckpointNote(request.note, log.name, log.publicKey);
      const { text } = parseNote(request.note);
      checkExtends(seen, checkpoint, request);
      seen = checkpoint;
      return cosignCheckpoint(text, config.name, privateKey, publicKey as KeyObject, Math.floor(now() / 1000));
    },
  };
}

function checkExtends(seen: Checkpoint | undefined, next: Checkpoint, request: CosignRequest): void {
  if (!seen || seen.size === 0) return;
  const sameTree = seen.size === next.size && equalHashes(seen.rootHash, next.rootHash);
  const consistent =
    sameTree ||
    (request.oldSize === seen.size &&
      verifyConsistency(seen.size, next.size, request.consistencyProof, seen.rootHash, next.rootHash));
  if (!consistent) {
    throw new AuditLogTamperedError({
      problems: [
        {
          kind: 'checkpoint-inconsistent',
          message: `checkpoint of size ${next.size} does not extend the checkpoint of size ${seen.size} this witness cosigned (a split view or a rewritten log)`,
        },
      ],
    });
  }
}
