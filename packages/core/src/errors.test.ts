import { describe, expect, it, vi } from 'vitest';
import * as errorsModule from './errors.js';
import {
  AccessDeniedError,
  InvalidInputError,
  KillSwitchActiveError,
  RateLimitedError,
  WardenError,
  type WardenErrorCode,
} from './errors.js';

type ErrorsModule = typeof errorsModule;

/** This copy of the module, indexed by class name below. */
const errors: ErrorsModule = errorsModule;
type ErrorClassName = {
  [K in keyof ErrorsModule]: ErrorsModule[K] extends abstract new (...args: never) => WardenError ? K : never;
}[keyof ErrorsModule];

interface ErrorCase {
  /** The exported class under test. */
  name: ErrorClassName;
  /** Builds an instance with the given copy of the module. */
  make: (module: ErrorsModule) => WardenError;
  code: WardenErrorCode;
  /** Every ancestor class up to and including WardenError, nearest first. */
  ancestors: readonly ErrorClassName[];
}

const cases: readonly ErrorCase[] = [
  {
    name: 'WardenError',
    make: (m) => new m.WardenError({ message: 'x', code: 'CONFLICT' }),
    code: 'CONFLICT',
    ancestors: [],
  },
  {
    name: 'InvalidInputError',
    make: (m) => new m.InvalidInputError({ message: 'bad' }),
    code: 'INVALID_INPUT',
    ancestors: ['WardenError'],
  },
  {
    name: 'NotFoundError',
    make: (m) => new m.NotFoundError({ id: 'n1' }),
    code: 'NOT_FOUND',
    ancestors: ['WardenError'],
  },
  {
    name: 'SandboxNotFoundError',
    make: (m) => new m.SandboxNotFoundError({ id: 's1' }),
    code: 'SANDBOX_NOT_FOUND',
    ancestors: ['NotFoundError', 'WardenError'],
  },
  {
    name: 'CredentialNotFoundError',
    make: (m) => new m.CredentialNotFoundError({ id: 'c1' }),
    code: 'CREDENTIAL_NOT_FOUND',
    ancestors: ['NotFoundError', 'WardenError'],
  },
  {
    name: 'ApprovalNotFoundError',
    make: (m) => new m.ApprovalNotFoundError({ id: 'a1' }),
    code: 'APPROVAL_NOT_FOUND',
    ancestors: ['NotFoundError', 'WardenError'],
  },
  {
    name: 'CapabilityNotFoundError',
    make: (m) => new m.CapabilityNotFoundError({ id: 'k1' }),
    code: 'CAPABILITY_NOT_FOUND',
    ancestors: ['NotFoundError', 'WardenError'],
  },
  {
    name: 'AccessDeniedError',
    make: (m) => new m.AccessDeniedError({ message: 'no' }),
    code: 'ACCESS_DENIED',
    ancestors: ['WardenError'],
  },
  {
    name: 'RateLimitedError',
    make: (m) => new m.RateLimitedError({ message: 'slow down' }),
    code: 'RATE_LIMITED',
    ancestors: ['WardenError'],
  },
  {
    name: 'QuotaExceededError',
    make: (m) => new m.QuotaExceededError({ message: 'Too many pending requests' }),
    code: 'QUOTA_EXCEEDED',
    ancestors: ['WardenError'],
  },
  {
    name: 'KillSwitchActiveError',
    make: (m) => new m.KillSwitchActiveError({ reason: 'incident' }),
    code: 'KILL_SWITCH_ACTIVE',
    ancestors: ['WardenError'],
  },
  {
    name: 'ApprovalNotPendingError',
    make: (m) => new m.ApprovalNotPendingError({ id: 'a1', status: 'approved' }),
    code: 'APPROVAL_NOT_PENDING',
    ancestors: ['WardenError'],
  },
  {
    name: 'CapabilityUnsupportedError',
    make: (m) => new m.CapabilityUnsupportedError({ message: 'no egress proxy' }),
    code: 'CAPABILITY_UNSUPPORTED',
    ancestors: ['WardenError'],
  },
  {
    name: 'BackendUnavailableError',
    make: (m) => new m.BackendUnavailableError({ message: 'down', backend: 'redis' }),
    code: 'BACKEND_UNAVAILABLE',
    ancestors: ['WardenError'],
  },
  {
    name: 'SandboxHardeningError',
    make: (m) => new m.SandboxHardeningError({ failures: ['pids: expected 50 got 0'] }),
    code: 'SANDBOX_HARDENING_FAILED',
    ancestors: ['WardenError'],
  },
  {
    name: 'UnsupportedSpecificationError',
    make: (m) => new m.UnsupportedSpecificationError({ message: 'sandbox-v2' }),
    code: 'UNSUPPORTED_SPECIFICATION',
    ancestors: ['WardenError'],
  },
  {
    name: 'ConflictError',
    make: (m) => new m.ConflictError({ message: 'raced' }),
    code: 'CONFLICT',
    ancestors: ['WardenError'],
  },
];

/** A second, independently evaluated copy of errors.ts, as when node_modules holds two versions of core. */
async function loadSecondCopy(): Promise<ErrorsModule> {
  vi.resetModules();
  const copy = await import('./errors.js');
  expect(copy.SandboxNotFoundError).not.toBe(errors.SandboxNotFoundError);
  return copy;
}

const exportedClassNames = Object.entries(errors)
  .filter(
    ([, value]) => value === WardenError || (typeof value === 'function' && value.prototype instanceof WardenError),
  )
  .map(([name]) => name)
  .sort();

describe('every error class (table)', () => {
  it('the table lists every exported error class', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(exportedClassNames);
  });

  describe.each(cases)('$name', ({ name, make, code, ancestors }) => {
    const errorClass = errors[name];
    const related = new Set<ErrorClassName>([name, ...ancestors]);
    const others = cases.map((c) => c.name).filter((other) => !related.has(other));

    it(`has code ${code}, its own name, and is an instance of its class and ancestors`, () => {
      const error = make(errors);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(errorClass);
      expect(error).toBeInstanceOf(Error);
      for (const ancestor of ancestors) expect(error).toBeInstanceOf(errors[ancestor]);
    });

    it('isInstance() recognises it from this copy and from a second copy of the module', async () => {
      const copy = await loadSecondCopy();
      const foreign = make(copy);
      expect(foreign).not.toBeInstanceOf(errorClass);
      expect(errorClass.isInstance(make(errors))).toBe(true);
      expect(errorClass.isInstance(foreign)).toBe(true);
      expect(copy[name].isInstance(make(errors))).toBe(true);
    });

    it("its ancestors' isInstance() accept it, in both copies", async () => {
      const copy = await loadSecondCopy();
      for (const ancestor of ancestors) {
        expect(errors[ancestor].isInstance(make(errors))).toBe(true);
        expect(errors[ancestor].isInstance(make(copy))).toBe(true);
        expect(copy[ancestor].isInstance(make(errors))).toBe(true);
      }
    });

    it('no sibling or descendant class claims it, in either copy', async () => {
      const copy = await loadSecondCopy();
      for (const other of others) {
        expect(errors[other].isInstance(make(errors)), `${other}.isInstance(${name})`).toBe(false);
        expect(errors[other].isInstance(make(copy)), `${other}.isInstance(foreign ${name})`).toBe(false);
      }
    });
  });

  it('isInstance() rejects values that are not Warden errors', () => {
    for (const { name } of cases) {
      for (const value of [new Error('plain'), null, undefined, 'INVALID_INPUT', { code: 'NOT_FOUND' }]) {
        expect(errors[name].isInstance(value)).toBe(false);
      }
    }
  });

  it('the marker is not enumerable, so logs and JSON do not show it', () => {
    const error = new errors.SandboxNotFoundError({ id: 's1' });
    expect(Object.keys(error)).not.toContain(expect.stringContaining('warden'));
    expect(JSON.stringify(error)).not.toContain('warden');
  });

  it('a subclass defined outside core is recognised by its own isInstance and its ancestors, not by siblings', () => {
    class PluginDeniedError extends AccessDeniedError {}
    const error = new PluginDeniedError({ message: 'plugin refused' });
    expect(PluginDeniedError.isInstance(error)).toBe(true);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect(WardenError.isInstance(error)).toBe(true);
    expect(PluginDeniedError.isInstance(new AccessDeniedError({ message: 'core refused' }))).toBe(false);
    expect(RateLimitedError.isInstance(error)).toBe(false);
  });
});

describe('WardenError', () => {
  it('keeps code, message and cause', () => {
    const cause = new Error('socket closed');
    const error = new AccessDeniedError({ message: 'denied by policy', cause });
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).toBe('denied by policy');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('isInstance() recognises errors from another copy of core through the Symbol.for marker', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('@warden/core/error/WardenError')]: true,
      code: 'INVALID_INPUT',
    });
    expect(WardenError.isInstance(foreign)).toBe(true);
    expect(InvalidInputError.isInstance(foreign)).toBe(false);
  });

  it('InvalidInputError keeps its issues', () => {
    const invalid = new InvalidInputError({ message: 'bad', issues: [{ path: 'ttl', message: 'must be positive' }] });
    expect(invalid.issues).toEqual([{ path: 'ttl', message: 'must be positive' }]);
  });

  it('SandboxNotFoundError.isInstance() of a CredentialNotFoundError is false (regression)', () => {
    expect(errors.SandboxNotFoundError.isInstance(new errors.CredentialNotFoundError({ id: 'c1' }))).toBe(false);
    expect(errors.NotFoundError.isInstance(new errors.CredentialNotFoundError({ id: 'c1' }))).toBe(true);
  });

  it('isInstance() detached from its class throws instead of answering for the wrong class', () => {
    const detached = errors.SandboxNotFoundError.isInstance;
    expect(() => [new errors.SandboxNotFoundError({ id: 's1' })].filter(detached)).toThrow(TypeError);
  });

  it('KillSwitchActiveError carries the reason', () => {
    const error = new KillSwitchActiveError({ reason: 'incident' });
    expect(error.message).toContain('incident');
  });
});
