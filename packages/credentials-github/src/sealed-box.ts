/**
 * Sealing a secret value for GitHub: a libsodium sealed box (`crypto_box_seal`) against the
 * repository's (or environment's) public key — real encryption, not a hash.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';
import sodium from 'libsodium-wrappers';

/**
 * Seals `plaintext` against a base64 Curve25519 public key as GitHub hands it out, and returns
 * the sealed box in base64 (standard alphabet), ready for `encrypted_value`.
 *
 * @throws `BackendUnavailableError` when the key is not one a box can be sealed against (not
 * base64, not 32 bytes, a degenerate point): whoever answered for GitHub sent no usable key.
 */
export async function sealForGitHub(plaintext: string, publicKeyBase64: string): Promise<string> {
  await sodium.ready;
  let sealed: Uint8Array;
  try {
    const publicKey = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
    if (publicKey.length !== sodium.crypto_box_PUBLICKEYBYTES) throw new Error('wrong length');
    sealed = sodium.crypto_box_seal(sodium.from_string(plaintext), publicKey);
  } catch {
    // libsodium's own errors say nothing useful, and the plaintext must not travel with them.
    throw new BackendUnavailableError({
      backend: 'github',
      message: "GitHub's public key for Actions secrets is not a Curve25519 public key; nothing was stored",
    });
  }
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
