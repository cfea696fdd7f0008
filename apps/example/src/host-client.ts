import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '@warden/core';
import { signPeerRequest } from './peer-signature.js';

/** A peer's Ed25519 key pair; `publicKey` is base64 SPKI DER, as the host expects it. */
export interface PeerKeys {
  /** base64 SPKI DER. */
  publicKey: string;
  /** The private key, kept by the peer. */
  privateKey: KeyObject;
}

/** Who a request is sent as. */
export type Caller =
  | { kind: 'operator'; name: string; token: string }
  | { kind: 'api'; id: string; key: string }
  | { kind: 'peer'; name: string; keys: PeerKeys }
  | { kind: 'anonymous' };

/** A response: status and parsed JSON body. */
export interface HostResponse {
  /** HTTP status. */
  status: number;
  /** Parsed JSON body. */
  body: Record<string, unknown>;
}

/** Makes a fresh Ed25519 key pair for a peer. */
export function createPeerKeys(): PeerKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), privateKey };
}

/** How a caller is named in the demo's narration. */
export function callerName(caller: Caller): string {
  if (caller.kind === 'operator') return `operator ${caller.name}`;
  if (caller.kind === 'api') return `API client ${caller.id}`;
  if (caller.kind === 'peer') return `peer ${caller.name}`;
  return 'anonymous';
}

/** A small HTTP client for the host: adds each caller's credentials (peers sign every request). */
export function createHostClient(baseUrl: string, now: Clock = Date.now) {
  return {
    async send(caller: Caller, method: string, path: string, payload?: unknown): Promise<HostResponse> {
      const body = payload === undefined ? '' : JSON.stringify(payload);
      const headers: Record<string, string> = { ...credentialHeaders(caller, { method, path, body }, now) };
      if (body !== '') headers['content-type'] = 'application/json';
      const response = await fetch(new URL(path, baseUrl), { method, headers, ...(body === '' ? {} : { body }) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
    },
  };
}

/** The client returned by {@link createHostClient}. */
export type HostClient = ReturnType<typeof createHostClient>;

function credentialHeaders(caller: Caller, request: { method: string; path: string; body: string }, now: Clock) {
  if (caller.kind === 'operator') return { authorization: `Bearer ${caller.token}` };
  if (caller.kind === 'api') return { 'x-api-key': caller.key };
  if (caller.kind === 'peer') return signPeerRequest(caller.keys, request, now());
  return {};
}
