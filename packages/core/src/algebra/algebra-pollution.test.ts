import { afterEach, describe, expect, it } from 'vitest';
import type { GrantCapabilityParams } from './algebra-types.js';
import { CapabilityAlgebra, createCapabilityAlgebra } from './capability-algebra.js';

// The attacker: some other library in the process has set a field on Object.prototype (a deep
// merge fed a "__proto__" key, say). A grant, restriction or snapshot that never set the field
// must be read exactly as without the pollution, and no decision may change.

const prototype = Object.prototype as Record<string, unknown>;
const polluted: string[] = [];

/** Sets `Object.prototype[field]` as an assignment would (enumerable). */
function pollute(field: string, value: unknown): void {
  Object.defineProperty(prototype, field, { value, enumerable: true, configurable: true, writable: true });
  polluted.push(field);
}

afterEach(() => {
  for (const field of polluted.splice(0)) delete prototype[field];
});

const START = 1_750_000_000_000;
const algebraAt = () => createCapabilityAlgebra({ now: () => START });

const read: GrantCapabilityParams = {
  scope: 'tool',
  resource: 'bash',
  actions: ['read'],
  grantedBy: 'authority',
  grantedTo: 'agent-a',
};

describe('capability algebra against a polluted Object.prototype', () => {
  it('createCapabilityAlgebra(config) takes no option from Object.prototype', () => {
    pollute('maxDelegationDepth', 0);
    pollute('generateId', () => 'chosen-by-the-attacker');
    const algebra = createCapabilityAlgebra({ now: () => START });
    const root = algebra.grant({ ...read, delegatable: true });
    expect(root.id).not.toBe('chosen-by-the-attacker');
    expect(algebra.delegate(root, 'agent-b').grantedTo).toBe('agent-b');
  });

  it('grant(params) without delegatable is not delegatable when Object.prototype.delegatable is true', () => {
    const algebra = algebraAt();
    pollute('delegatable', true);
    const capability = algebra.grant({ ...read });
    expect(capability.delegatable).toBe(false);
    expect(() => algebra.delegate(capability, 'agent-b')).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
    expect(algebra.check('agent-b', 'tool', 'bash', 'read').allowed).toBe(false);
  });

  it('grant(params) without expiresAt or constraints takes none from Object.prototype', () => {
    const algebra = algebraAt();
    pollute('expiresAt', START - 1);
    pollute('constraints', [{ type: 'condition', params: { key: 'never-given' } }]);
    const capability = algebra.grant({ ...read });
    expect(capability.expiresAt).toBeNull();
    expect(capability.constraints).toEqual([]);
    expect(algebra.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(true);
  });

  it('a time window without an end stays open when Object.prototype.end is set', () => {
    const algebra = algebraAt();
    pollute('end', START - 1);
    algebra.grant({ ...read, constraints: [{ type: 'time-window', params: { start: START - 10 } }] });
    expect(algebra.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(true);
  });

  it('restrict(capability, restrictions) without delegatable keeps the capability delegatable', () => {
    const algebra = algebraAt();
    const root = algebra.grant({ ...read, delegatable: true });
    pollute('delegatable', false);
    const narrowed = algebra.restrict(root, { actions: ['read'] });
    expect(narrowed.delegatable).toBe(true);
  });

  it('delegate and revoke given no restrictions or options read none from Object.prototype', () => {
    const algebra = algebraAt();
    const root = algebra.grant({ ...read, delegatable: true });
    pollute('delegatable', false);
    pollute('actor', 'mallory');
    expect(algebra.delegate(root, 'agent-b').delegatable).toBe(true);
    algebra.revoke(root);
    expect(algebra.getCapability(root.id)?.revocation?.actor).toBeNull();
  });

  it('a reference object without an id names no capability when Object.prototype.id is set', () => {
    const algebra = algebraAt();
    const root = algebra.grant({ ...read });
    pollute('id', root.id);
    expect(() => algebra.revoke({} as typeof root)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(algebra.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(true);
  });

  it('fromJSON(snapshot) reads only the fields the snapshot holds', () => {
    const algebra = algebraAt();
    algebra.grant({ ...read, constraints: [{ type: 'time-window', params: { start: START - 10 } }] });
    const snapshot = JSON.parse(JSON.stringify(algebra.toJSON()));
    pollute('end', START - 1);
    const restored = CapabilityAlgebra.fromJSON(snapshot, { now: () => START });
    expect(restored.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(true);
    expect(restored.getCapabilities('agent-a')[0]?.delegatable).toBe(false);
  });
});

describe('capability algebra against a polluted Array.prototype', () => {
  const arrayPrototype = Array.prototype as unknown as Record<string, unknown>;
  afterEach(() => {
    delete arrayPrototype['0'];
  });

  it('grant() reads a hole in actions or constraints as missing, not as Array.prototype[0]', () => {
    const algebra = algebraAt();
    // The list every later grant of ['read'] shares must not be found through the hole either.
    algebra.grant(read);
    Object.defineProperty(arrayPrototype, '0', { value: 'read', enumerable: true, configurable: true, writable: true });
    const holeyActions = new Array<string>(1);
    expect(() => algebra.grant({ ...read, actions: holeyActions })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    arrayPrototype['0'] = { type: 'budget', params: { limit: 10 } };
    expect(() => algebra.grant({ ...read, constraints: new Array(1) })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
