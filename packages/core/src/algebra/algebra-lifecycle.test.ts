import { describe, expect, it } from 'vitest';
import { CapabilityNotFoundError, InvalidInputError } from '../errors.js';
import type { GrantCapabilityParams } from './algebra-types.js';
import { CapabilityAlgebra, createCapabilityAlgebra } from './capability-algebra.js';

const START = 1_750_000_000_000;

const toolRead: GrantCapabilityParams = {
  scope: 'tool',
  resource: 'bash',
  actions: ['read'],
  grantedBy: 'authority',
  grantedTo: 'agent-a',
  delegatable: true,
};

/** A root, a restriction of it, a delegation of that, and a composition of root with another grant. */
function family() {
  const clock = { time: START };
  const algebra = createCapabilityAlgebra({ now: () => clock.time });
  const root = algebra.grant(toolRead);
  const sibling = algebra.grant({ ...toolRead, grantedTo: 'agent-s' });
  const restricted = algebra.restrict(root, { constraints: [{ type: 'condition', params: { key: 'reviewed' } }] });
  const delegated = algebra.delegate(restricted, 'agent-b');
  const composed = algebra.compose(sibling, root);
  const context = { reviewed: true };
  const allows = (agent: string) => algebra.check(agent, 'tool', 'bash', 'read', context).allowed;
  return { algebra, clock, root, sibling, restricted, delegated, composed, allows };
}

describe('revoke(capabilityId, reason?, options?)', () => {
  it('cascades through delegate, restrict AND compose derivations (seed: restricted and composed stayed valid)', () => {
    const { algebra, root, restricted, delegated, composed, allows } = family();
    expect(allows('agent-b')).toBe(true);
    algebra.revoke(root.id, 'compromised');
    for (const capability of [root, restricted, delegated, composed]) {
      expect(algebra.getCapability(capability.id)?.revoked).toBe(true);
    }
    expect(allows('agent-a')).toBe(false);
    expect(allows('agent-b')).toBe(false);
  });

  it('revoking one source of a composition revokes the composition but not the other source', () => {
    const { algebra, sibling, composed, allows } = family();
    expect(algebra.check('agent-s', 'tool', 'bash', 'read').capabilities.map((c) => c.id)).toEqual([
      sibling.id,
      composed.id,
    ]);
    algebra.revoke(composed.derivedFrom[1] as string);
    expect(algebra.getCapability(composed.id)?.revoked).toBe(true);
    expect(algebra.getCapability(sibling.id)?.revoked).toBe(false);
    expect(allows('agent-s')).toBe(true);
  });

  it('records the reason, the actor and the cascade origin, and returns what it revoked', () => {
    const { algebra, clock, root, delegated } = family();
    clock.time = START + 42;
    const revoked = algebra.revoke(root.id, 'key leaked', { actor: 'security-team' });
    expect(revoked.map((capability) => capability.id)).toContain(delegated.id);
    expect(revoked[0]?.id).toBe(root.id);
    expect(algebra.getCapability(root.id)).toMatchObject({
      revoked: true,
      revokedAt: START + 42,
      revocation: { at: START + 42, reason: 'key leaked', actor: 'security-team', cascadedFrom: null },
    });
    expect(algebra.getCapability(delegated.id)?.revocation).toEqual({
      at: START + 42,
      reason: 'key leaked',
      actor: 'security-team',
      cascadedFrom: root.id,
    });
  });

  it('a revoked capability never grants again: re-revoking keeps the first record and derivation is refused', () => {
    const { algebra, clock, root, allows } = family();
    algebra.revoke(root.id, 'first');
    clock.time = START + 1;
    expect(algebra.revoke(root.id, 'second')).toEqual([]);
    expect(algebra.getCapability(root.id)?.revocation?.reason).toBe('first');
    expect(() => algebra.restrict(root, {})).toThrow();
    expect(() => algebra.delegate(root, 'agent-z')).toThrow();
    expect(() => algebra.compose(root, root)).toThrow();
    expect(allows('agent-a')).toBe(false);
    expect(algebra.isAllowed('agent-a', 'tool', 'bash', 'read', { reviewed: true })).toBe(false);
  });

  it('still revokes when the clock is broken (the timestamp falls back to the system clock)', () => {
    const clock = { time: START };
    const algebra = createCapabilityAlgebra({ now: () => clock.time });
    const capability = algebra.grant(toolRead);
    clock.time = Number.NaN;
    expect(() => algebra.grant(toolRead)).toThrow(InvalidInputError);
    algebra.revoke(capability.id);
    expect(algebra.getCapability(capability.id)?.revoked).toBe(true);
    expect(Number.isFinite(algebra.getCapability(capability.id)?.revokedAt)).toBe(true);
  });

  it('of an unknown id throws CapabilityNotFoundError (seed: silently ignored)', () => {
    const { algebra } = family();
    expect(() => algebra.revoke('nope')).toThrow(CapabilityNotFoundError);
  });

  it('with a non-string reason throws InvalidInputError and revokes nothing', () => {
    const { algebra, root, allows } = family();
    expect(() => algebra.revoke(root.id, 5 as never)).toThrow(InvalidInputError);
    expect(allows('agent-a')).toBe(true);
  });
});

describe('expire(capabilityId, reason?, options?)', () => {
  it('ends the capability now and cascades to every derivation (seed: expire did not cascade)', () => {
    const { algebra, clock, root, restricted, delegated, composed, allows } = family();
    clock.time = START + 7;
    const expired = algebra.expire(root.id, 'session over', { actor: 'scheduler' });
    expect(expired.map((capability) => capability.id).sort()).toEqual(
      [root.id, restricted.id, delegated.id, composed.id].sort(),
    );
    expect(allows('agent-a')).toBe(false);
    expect(allows('agent-b')).toBe(false);
    expect(algebra.getCapability(delegated.id)).toMatchObject({
      expiresAt: START + 7,
      revoked: false,
      expiration: { at: START + 7, reason: 'session over', actor: 'scheduler', cascadedFrom: root.id },
    });
  });

  it('a clock stepped back after expire(id) revives neither the capability nor anything derived from it', () => {
    const { algebra, clock, root, sibling, restricted, delegated, composed, allows } = family();
    // A short-lived delegation that had already run out when its source was expired.
    const shortLived = algebra.delegate(root, 'agent-c', { expiresAt: START + 3 });
    clock.time = START + 7;
    algebra.expire(root.id, 'session over');
    clock.time = START + 1; // NTP steps the wall clock back, before every expiry
    expect(allows('agent-a')).toBe(false);
    expect(allows('agent-b')).toBe(false);
    expect(algebra.isAllowed('agent-c', 'tool', 'bash', 'read')).toBe(false);
    expect(algebra.check('agent-s', 'tool', 'bash', 'read').allowed).toBe(true); // the sibling grant itself
    expect(algebra.check('agent-c', 'tool', 'bash', 'read').reason).toMatch(/expired/);
    for (const capability of [root, restricted, delegated, composed, shortLived]) {
      expect(() => algebra.restrict(capability, {})).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
    }
    expect(algebra.getCapability(sibling.id)?.expiration).toBeNull();
    // The delegation that had already run out keeps its own earlier expiry but records the cascade.
    expect(algebra.getCapability(shortLived.id)).toMatchObject({
      expiresAt: START + 3,
      expiration: { at: START + 7, cascadedFrom: root.id },
    });
  });

  it('a clock stepped back after a snapshot of an expiry revives nothing it ended', () => {
    const { algebra, clock, root, delegated } = family();
    const shortLived = algebra.delegate(root, 'agent-c', { expiresAt: START + 3 });
    clock.time = START + 7;
    algebra.expire(root.id);
    const restored = CapabilityAlgebra.fromJSON(JSON.parse(JSON.stringify(algebra)), { now: () => START + 1 });
    expect(restored.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(false);
    expect(restored.check('agent-b', 'tool', 'bash', 'read', { reviewed: true }).allowed).toBe(false);
    expect(restored.isAllowed('agent-c', 'tool', 'bash', 'read')).toBe(false);
    expect(() => restored.delegate(delegated, 'agent-d')).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
    expect(restored.getCapability(shortLived.id)?.expiresAt).toBe(START + 3);
  });

  it('never extends an expiry that is already earlier', () => {
    const clock = { time: START };
    const algebra = createCapabilityAlgebra({ now: () => clock.time });
    const capability = algebra.grant({ ...toolRead, expiresAt: START + 5 });
    clock.time = START + 100;
    expect(algebra.expire(capability.id)).toEqual([]);
    expect(algebra.getCapability(capability.id)?.expiresAt).toBe(START + 5);
  });

  it('of an unknown id throws CapabilityNotFoundError (seed: silently ignored)', () => {
    const { algebra } = family();
    expect(() => algebra.expire('nope')).toThrow(CapabilityNotFoundError);
  });
});

describe('the clock option', () => {
  it('drives expiry without sleeping: allowed while now < expiresAt', () => {
    const clock = { time: START };
    const algebra = createCapabilityAlgebra({ now: () => clock.time });
    algebra.grant({ ...toolRead, expiresAt: START + 1_000 });
    clock.time = START + 999;
    expect(algebra.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(true);
    clock.time = START + 1_000;
    const result = algebra.check('agent-a', 'tool', 'bash', 'read');
    expect(result.allowed).toBe(false);
    expect(result.reason).toMatch(/expired/);
  });

  it.each([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN])(
    'a clock returning %s denies check and isAllowed of a capability with an expiry (fail closed)',
    (broken) => {
      const clock = { time: 1_000 };
      const algebra = createCapabilityAlgebra({ now: () => clock.time });
      algebra.grant({
        scope: 'tool',
        resource: 'bash',
        actions: ['execute'],
        grantedBy: 'authority',
        grantedTo: 'agent-a',
        expiresAt: 2_000,
      });
      algebra.grant({
        scope: 'tool',
        resource: 'git',
        actions: ['push'],
        grantedBy: 'authority',
        grantedTo: 'agent-a',
      });
      expect(algebra.check('agent-a', 'tool', 'bash', 'execute').allowed).toBe(true);
      clock.time = broken;
      expect(algebra.check('agent-a', 'tool', 'bash', 'execute')).toMatchObject({ allowed: false, reason: /clock/ });
      expect(algebra.isAllowed('agent-a', 'tool', 'bash', 'execute')).toBe(false);
      expect(algebra.check('agent-a', 'tool', 'git', 'push').allowed).toBe(false);
    },
  );

  it('a clock returning NaN denies every check (fail closed)', () => {
    const clock = { time: START };
    const algebra = createCapabilityAlgebra({ now: () => clock.time });
    algebra.grant(toolRead);
    clock.time = Number.NaN;
    expect(algebra.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(false);
  });
});
