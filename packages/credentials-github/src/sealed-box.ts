/**
 * Sealing a secret value for GitHub: a libsodium sealed box (`crypto_box_seal`) against the
 * repository's (or environment's) public key — real encryption, not a hash.
 *
 * @module
 */
import sodium from 'libsodium-wrappers';

/**
 * Seals `plaintext` against a base64 Curve25519 public key as GitHub hands it out, and returns
 * the sealed box in base64 (standard alphabet), ready for `encrypted_value`.
 */
export async function sealForGitHub(plaintext: string, publicKeyBase64: string): Promise<string> {
  await sodium.ready;
  const publicKey = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(plaintext), publicKey);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
