// A Stryker ignorer for the contracts run: it leaves unmutated (status "Ignored", with the reason
// below) the code no port method reveals, so the score counts only what a contract suite can
// catch. Each kind is found by its place in the syntax tree, not by line numbers:
//   - message wording: only the label given to `parseInput`, which changes the words of a message
//     that stays non-empty. Error texts themselves are mutated: the suites check that every error
//     has a non-empty message and that INVALID_INPUT issues name their fields.
//   - record: the stubs' call records and listener-error reporting, test helpers beside the port
//     checked by the stubs' own unit tests.
//   - factory: functions reached only from a factory's configuration (the contract gets a subject
//     already made), listed by file and name in FACTORY_ONLY with the reason.
// docs/mutation/README.md lists what each kind covers.

/**
 * Code the contract cannot reach or tell apart, by file: whole functions by name, or single
 * nodes by their exact source text (so an edit to that code brings its mutants back). Each
 * reason says why no contract can catch a mutant there; docs/mutation/README.md lists them.
 */
const UNREACHABLE = {
  'packages/secrets-env/src/env-secret-store.ts': {
    functions: {
      parseSettings: "factory: the env store's settings (prefix, writableNames, env), env-secret-store.test.ts",
      parseWritableNames: "factory: the env store's writableNames setting, env-secret-store.test.ts",
      invalidSetting: "factory: the env store's settings errors, env-secret-store.test.ts",
    },
    code: {
      "writable === 'prefix' || (writable !== 'none' && writable.has(name))":
        'factory: writableNames and read-only mode; the contract runs a store that writes under its prefix',
      "throw new AccessDeniedError({\n      message:\n        writable === 'none'…":
        'factory: the refusal of a read-only store or a name outside writableNames; the contract runs a store that writes under its prefix',
      'value === undefined': 'equivalent: get() then returns the value, which is undefined',
    },
  },
  'packages/stubs/src/stub-jit-credential-issuer.ts': {
    functions: {},
    code: {
      "typeof credentialId === 'string'": 'equivalent: the tokens it checks against are all strings',
      'config.maxTtlMs ?? MAX_TTL_MS': "equivalent: parseTtl's own limit is MAX_TTL_MS",
      "validId(credentialId, 'revoke')": 'message wording: the method named in a message that stays non-empty',
      "validId(credentialId, 'isValid')": 'message wording: the method named in a message that stays non-empty',
    },
  },
  'packages/stubs/src/stub-sandbox.ts': {
    functions: {},
    code: {
      "response?.stdout ?? ''": 'equivalent: what a backend that runs nothing answers unscripted is its own choice',
      "response?.stderr ?? ''": 'equivalent: what a backend that runs nothing answers unscripted is its own choice',
      'response?.truncated ?? false':
        'equivalent: the contract scripts no truncated flag, and undefined reads as false',
    },
  },
  'packages/gateway/src/memory-rate-limiter.ts': {
    functions: { trackedKeys: 'factory: a getter beside the port, for the gateway unit tests' },
    code: {
      'windows.size >= SWEEP_THRESHOLD':
        'equivalent: the sweep drops only ended windows, which consume() replaces anyway; when it runs changes memory, not answers',
    },
  },
  'packages/stubs/src/stub-approval-workflow.ts': {
    functions: {
      eligible: "factory: isEligible; the contract's subject lets anyone but the requester decide",
      notEligible: "factory: isEligible; the contract's subject lets anyone but the requester decide",
    },
    code: {
      'action !== undefined && !eligible(settled, action)':
        "factory: isEligible; the contract's subject lets anyone but the requester decide",
      'if (denied) step.error = notEligible(settled, action);':
        "factory: isEligible; the contract's subject lets anyone but the requester decide",
      'config.events?.emit(event)':
        'factory: a workflow made without an emitter; the contract gives its subject one to read the events',
    },
  },
  'packages/core/src/approval/transitions.ts': {
    functions: {},
    code: {
      'if (options.caseSensitiveIdentities === true) return normalised;':
        "factory: caseSensitiveIdentities; the contract's subject compares identities by default",
      'policies[target].quorum === 0': 'factory: escalation; the contract configures none, so there is no target tier',
      'const ttlMs = policies[target].ttlMs;': 'factory: escalation; the contract configures none',
      'current = {\n      ...current,\n      tier: target,…': 'factory: escalation; the contract configures none',
      'record.expiresAt !== null': 'factory: a tier that never expires; the contract gives every tier a time-to-live',
      'current.expiresAt !== null': 'factory: a tier that never expires; the contract gives every tier a time-to-live',
      'const version = record.version + 1;': 'equivalent: stepApproval sets the version of every record it returns',
      'if (error !== undefined) result.error = error;': 'equivalent: an undefined error is no error to the callers',
      'policy.ttlMs === null': 'factory: a tier that never expires; the contract gives every tier a time-to-live',
      'if (action.reason !== undefined) cancelled.reason = action.reason;':
        "equivalent: the port's cancel(id, actor) takes no reason",
      "events.push(approvalEvent('approval_escalated', current, { from: current.escalatedFrom?.at(-1) }));":
        'factory: escalation; the contract configures none, so nothing is ever escalated',
      '(decision.tier ?? record.tier) === record.tier':
        'factory: escalation; without it every decision is at the current tier',
    },
  },
  'packages/secrets-env/src/env-secret-name.ts': {
    functions: {
      overlapsProtectedNamespace: 'factory: checks the prefix given to the factory, env-secret-store.test.ts',
      isSecretName: "equivalent: every caller also applies core's checkSecretName, which accepts a subset",
      assertSecretName: "equivalent: every caller also applies core's checkSecretName, which accepts a subset",
      isProtectedVariable:
        'equivalent: under a prefix the factory accepts (the contract writes, so it runs one) no variable is protected',
    },
    code: {
      'isProtectedVariable(variable)':
        'equivalent: under a prefix the factory accepts (the contract writes, so it runs one) no variable is protected',
      'if (isProtectedVariable(variable)) {…':
        'equivalent: under a prefix the factory accepts (the contract writes, so it runs one) no variable is protected',
      '{\n    return false;\n  }': 'equivalent: the caller treats undefined as false',
      '!variable.startsWith(prefix) || isProtectedVariable(variable)':
        'equivalent: the round trip below (the name must map back onto the same variable) refuses it too',
      "name.toUpperCase().replaceAll('-', '_')":
        'equivalent: get, set, delete and list share the one mapping, so its spelling is invisible through the port',
      "prefix = ''": 'equivalent: every caller passes the prefix',
    },
  },
};

const RECORD_CALLS = new Set(['record', 'calls.push', 'executions.push', 'reportError']);
const RECORD_HELPERS = new Set(['record', 'reportError', 'calls', 'executions', 'execution', 'shownName', 'shownId']);
/** A store's string forms: the port promises only that no value appears in them. */
const STRING_FORMS = new Set(['describe', 'description', 'redacted', 'toString', 'toJSON']);

/** `a`, `a.b` or `a.b.c` for an identifier or a member chain, else undefined. */
function dottedName(node) {
  if (node?.type === 'Identifier') return node.name;
  if (node?.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
    const object = dottedName(node.object);
    return object === undefined ? undefined : `${object}.${node.property.name}`;
  }
  return undefined;
}

function propertyName(node) {
  if (node.key?.type === 'Identifier') return node.key.name;
  if (node.key?.type === 'StringLiteral') return node.key.value;
  return undefined;
}

/**
 * Only the label given to `parseInput` (`'approver'`, `'approval request id'`): a mutant there
 * changes the wording of a message that stays non-empty. Every other error text is mutated: the
 * suites check that an error carries a non-empty message and issues that name their fields.
 */
function messageReason(path) {
  const parent = path.parentPath?.node;
  return (
    parent?.type === 'CallExpression' && dottedName(parent.callee) === 'parseInput' && parent.arguments[2] === path.node
  );
}

function recordReason(path) {
  const { node } = path;
  if (node.type === 'CallExpression' && RECORD_CALLS.has(dottedName(node.callee))) return true;
  return node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && RECORD_HELPERS.has(node.id.name);
}

/** A block whose every statement is an ignored call (`catch (error) { reportError(error); }`). */
function onlyIgnoredCalls(path, reason) {
  const { node } = path;
  if (node.type !== 'BlockStatement' || node.body.length === 0) return false;
  return path
    .get('body')
    .every((statement) => statement.isExpressionStatement() && reason(statement.get('expression')));
}

function unreachableReason(path) {
  const fileName = (path.hub?.file?.opts?.filename ?? '').replaceAll('\\', '/');
  const entry = Object.entries(UNREACHABLE).find(([file]) => fileName.endsWith(file))?.[1];
  if (!entry) return undefined;
  const { node } = path;
  const name =
    node.type === 'FunctionDeclaration'
      ? (node.id?.name ?? '')
      : node.type === 'ObjectMethod' || node.type === 'VariableDeclarator'
        ? (propertyName(node) ?? (node.id?.type === 'Identifier' ? node.id.name : ''))
        : '';
  if (Object.hasOwn(entry.functions, name)) return entry.functions[name];
  if (typeof node.start !== 'number' || typeof node.end !== 'number') return undefined;
  const code = path.hub.file.code.slice(node.start, node.end);
  if (Object.hasOwn(entry.code, code)) return entry.code[code];
  // A key ending in '…' stands for a whole statement that starts with it.
  if (!path.isStatement()) return undefined;
  const statement = Object.keys(entry.code).find((text) => text.endsWith('…') && code.startsWith(text.slice(0, -1)));
  return statement === undefined ? undefined : entry.code[statement];
}

function stringFormReason(path) {
  const { node } = path;
  if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier') return STRING_FORMS.has(node.id.name);
  return node.type === 'ObjectProperty' && STRING_FORMS.has(propertyName(node) ?? '');
}

const contractIgnorer = {
  shouldIgnore(path) {
    if (messageReason(path))
      return "message wording: parseInput's label; the message stays non-empty and ports do not document words";
    if (recordReason(path) || onlyIgnoredCalls(path, recordReason))
      return "record: the stubs' call records, checked by the stubs' unit tests";
    if (stringFormReason(path)) return 'string form: the port promises only that no value appears in it';
    return unreachableReason(path);
  },
};

/** Stryker plugin list (named `strykerPlugins`, as Stryker loads it). */
export const strykerPlugins = [{ kind: 'Ignore', name: 'warden-contract', value: contractIgnorer }];
