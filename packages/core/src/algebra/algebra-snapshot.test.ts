import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import type { GrantCapabilityParams } from './algebra-types.js';
import { CapabilityAlgebra, createCapabilityAlgebra } from './capability-algebra.js';

const START = 1_750_000_000_000;

const toolRead: GrantCapabilityParams = {
  scope: 'tool',
  resource: 'bash',
  actions: ['read', 'execute'],
  grantedBy: 'authority',
  grantedTo: 'agent-a',
  delegatable: true,
  constraints: [{ type: 'budget', params: { limit: 10 } }],
};

function populated() {
  const clock = { time: START };
  const algebra = createCapabilityAlgebra({ now: () => clock.time });
  const root = algebra.grant(toolRead);
  const other = algebra.grant({ ...toolRead, resource: '*', grantedTo: 'agent-b', expiresAt: START + 1_000 });
  const restricted = algebra.restrict(root, { actions: ['read'] });
  const delegated = algebra.delegate(restricted, 'agent-c');
  const composed = algebra.compose(other, root);
  const revokedRoot = algebra.grant({ ...toolRead, grantedTo: 'agent-d' });
  const revokedChild = algebra.delegate(revokedRoot, 'agent-e');
  algebra.revoke(revokedRoot.id, 'done', { actor: 'admin' });
  algebra.attest(root.id, { attesterId: 'reviewer', claim: 'ok' });
  algebra.expire(other.id, 'rotated');
  return { algebra, clock, ids: { root, other, restricted, delegated, composed, revokedRoot, revokedChild } };
}

/** A JSON copy of a populated algebra's snapshot, for tampering. */
function snapshotJson() {
  const { algebra, ids } = populated();
  return { snapshot: JSON.parse(JSON.stringify(algebra)), ids };
}

describe('toJSON() and CapabilityAlgebra.fromJSON(snapshot)', () => {
  it('round-trips every capability, lifecycle record and answer', () => {
    const { algebra, ids } = populated();
    const restored = CapabilityAlgebra.fromJSON(JSON.parse(JSON.stringify(algebra)), { now: () => START });
    expect(restored.toJSON()).toEqual(algebra.toJSON());
    const context = { budgetUsed: 1 };
    expect(restored.check('agent-c', 'tool', 'bash', 'read', context).allowed).toBe(true);
    expect(restored.check('agent-e', 'tool', 'bash', 'read', context).allowed).toBe(false);
    expect(restored.check('agent-b', 'tool', 'bash', 'read', context).allowed).toBe(false);
    expect(restored.getDelegationChain(ids.delegated.id).map((capability) => capability.id)).toEqual([
      ids.root.id,
      ids.restricted.id,
      ids.delegated.id,
    ]);
  });

  it('keeps cascading after a restore: revoking a restored root revokes its restored descendants', () => {
    const { algebra, ids } = populated();
    const restored = CapabilityAlgebra.fromJSON(algebra.toJSON(), { now: () => START });
    restored.revoke(ids.root.id);
    for (const capability of [ids.restricted, ids.delegated, ids.composed]) {
      expect(restored.getCapability(capability.id)?.revoked).toBe(true);
    }
  });

  it('restores an empty algebra', () => {
    const restored = CapabilityAlgebra.fromJSON(createCapabilityAlgebra().toJSON());
    expect(restored.toJSON().capabilities).toEqual([]);
  });
});

describe('CapabilityAlgebra.fromJSON(snapshot) rejects a snapshot that fails validation, whole', () => {
  const tamperings: Array<[string, (snapshot: ReturnType<typeof snapshotJson>) => void]> = [
    ['a wrong format marker', ({ snapshot }) => (snapshot.format = 'other')],
    ['a missing capability field', ({ snapshot }) => delete snapshot.capabilities[0].scope],
    ['a duplicate id', ({ snapshot }) => (snapshot.capabilities[1].id = snapshot.capabilities[0].id)],
    [
      'an invalid constraint',
      ({ snapshot }) => (snapshot.capabilities[0].constraints = [{ type: 'budget', params: {} }]),
    ],
    [
      'a restriction wider than its source',
      ({ snapshot }) => (snapshot.capabilities[2].actions = ['read', 'execute', 'admin']),
    ],
    ['a derived capability that dropped a constraint', ({ snapshot }) => (snapshot.capabilities[3].constraints = [])],
    ['a composition that outlives a source', ({ snapshot }) => (snapshot.capabilities[4].expiresAt = null)],
    ['a child of a revoked capability that is not revoked', ({ snapshot }) => unrevoke(snapshot.capabilities[6])],
    ['revoked without a revocation record', ({ snapshot }) => (snapshot.capabilities[5].revocation = null)],
    [
      'an early expiry whose expiresAt was lifted back to the original (an editor reviving it)',
      ({ snapshot }) => (snapshot.capabilities[1].expiresAt = START + 1_000),
    ],
    ['an early expiry whose expiresAt was removed', ({ snapshot }) => (snapshot.capabilities[1].expiresAt = null)],
    [
      'a derivation of an expired capability that dropped its expiration record',
      ({ snapshot }) => (snapshot.capabilities[4].expiration = null),
    ],
    ['a source listed after its derivation', ({ snapshot }) => snapshot.capabilities.reverse()],
    ['a parent that does not exist', ({ snapshot }) => (snapshot.capabilities[3].parentCapabilityId = 'ghost')],
    ['a delegation from a non-delegatable source', ({ snapshot }) => (snapshot.capabilities[2].delegatable = false)],
    ['a forged delegation depth', ({ snapshot }) => (snapshot.capabilities[3].delegationDepth = 0)],
    ['a grant with sources', ({ snapshot }) => (snapshot.capabilities[0].derivedFrom = ['x'])],
    ['a non-JSON constraint parameter', ({ snapshot }) => (snapshot.capabilities[0].constraints[0].params.limit = 'x')],
    ['a capability that is not an object', ({ snapshot }) => (snapshot.capabilities[0] = 'capability')],
    ['a composition held by a third party', ({ snapshot }) => (snapshot.capabilities[4].grantedTo = 'agent-z')],
    ['a composition granted by someone else', ({ snapshot }) => (snapshot.capabilities[4].grantedBy = 'agent-z')],
    [
      'a composition listing its source 200,000 times (more than a call takes as arguments)',
      ({ snapshot }) => (snapshot.capabilities[4].derivedFrom = Array(200_000).fill(snapshot.capabilities[0].id)),
    ],
    ['a restriction handed to a third party', ({ snapshot }) => (snapshot.capabilities[2].grantedTo = 'agent-z')],
    [
      'a delegation granted by someone other than its holder',
      ({ snapshot }) => (snapshot.capabilities[3].grantedBy = 'agent-z'),
    ],
  ];
  for (const [name, tamper] of tamperings) {
    it(`with ${name}`, () => {
      const tampered = snapshotJson();
      tamper(tampered);
      expect(() => CapabilityAlgebra.fromJSON(tampered.snapshot)).toThrow(InvalidInputError);
    });
  }

  it('beyond the maxDelegationDepth option', () => {
    const { snapshot } = snapshotJson();
    expect(() => CapabilityAlgebra.fromJSON(snapshot, { maxDelegationDepth: 0 })).toThrow(InvalidInputError);
    expect(CapabilityAlgebra.fromJSON(snapshot, { maxDelegationDepth: 1 })).toBeInstanceOf(CapabilityAlgebra);
  });

  it('names every problem in the error', () => {
    const { snapshot } = snapshotJson();
    snapshot.capabilities[0].scope = '';
    snapshot.capabilities[1].grantedAt = 'yesterday';
    try {
      CapabilityAlgebra.fromJSON(snapshot);
      expect.unreachable();
    } catch (error) {
      const paths = (error as InvalidInputError).issues.map((issue) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['capabilities.0.scope', 'capabilities.1.grantedAt']));
    }
  });

  it('rejects non-snapshots', () => {
    for (const value of [
      null,
      42,
      'snapshot',
      [],
      { format: 'warden.capability-algebra', version: 2, capabilities: [] },
    ]) {
      expect(() => CapabilityAlgebra.fromJSON(value)).toThrow(InvalidInputError);
    }
  });
});

function unrevoke(capability: Record<string, unknown>) {
  capability.revoked = false;
  capability.revokedAt = null;
  capability.revocation = null;
}
