import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArgumentRule } from '../config/config-schema.js';
import { checkArgumentRules } from './argument-rules.js';

// <base>/root is allowed; <base>/outside/inner exists, and root/link points at it.
const base = mkdtempSync(path.join(tmpdir(), 'warden-mcp-rules-'));
const allowedRoot = path.join(base, 'root');
mkdirSync(allowedRoot);
mkdirSync(path.join(base, 'outside', 'inner'), { recursive: true });
writeFileSync(path.join(base, 'outside', 'secret.txt'), 'secret');
writeFileSync(path.join(allowedRoot, 'secret.txt'), 'decoy');
symlinkSync(path.join(base, 'outside', 'inner'), path.join(allowedRoot, 'link'));

const pathRule: Record<string, ArgumentRule> = { path: { kind: 'path', roots: [allowedRoot] } };
const urlRule: Record<string, ArgumentRule> = { url: { kind: 'url', hosts: ['docs.example.com', '*.example.org'] } };

describe('checkArgumentRules(rules, args): an attacker escaping a path root', () => {
  it('`..` after a symlink inside the root (the kernel climbs from the link target) is refused', () => {
    const attack = `${allowedRoot}/link/../secret.txt`;
    // What a server that hands the string to the OS reads: the file outside the root.
    expect(readFileSync(attack, 'utf8')).toBe('secret');
    expect(checkArgumentRules(pathRule, { path: attack })).toMatchObject({ argument: 'path' });
    expect(checkArgumentRules(pathRule, { path: `${allowedRoot}/link/../new-file.txt` })).toBeDefined();
    expect(checkArgumentRules(pathRule, { path: `${allowedRoot}/link/%2e%2e/secret.txt` })).toBeDefined();
  });

  it('paths that stay inside the root are still allowed', () => {
    expect(checkArgumentRules(pathRule, { path: `${allowedRoot}/secret.txt` })).toBeUndefined();
    expect(checkArgumentRules(pathRule, { path: `${allowedRoot}/sub/../new.txt` })).toBeUndefined();
  });
});

describe('checkArgumentRules(rules, args): an attacker exploiting URL parser differences', () => {
  it.each([
    ['a backslash before @ (curl and Python connect to the host after it)', 'https://docs.example.com\\@evil.example/'],
    ['a tab inside the host (WHATWG drops it)', 'https://docs.exa\tmple.com/'],
    ['a percent-encoded host', 'https://docs.ex%61mple.com/'],
    ['fullwidth letters (WHATWG maps them to ASCII)', 'https://ｄｏｃｓ.example.com/'],
    ['a backslash instead of the slashes', 'https:\\\\docs.example.com/'],
    ['no slashes at all', 'https:docs.example.com/'],
    ['an empty userinfo', 'https://@docs.example.com/'],
  ])('%s is refused', (_what, url) => {
    expect(checkArgumentRules(urlRule, { url })).toMatchObject({ argument: 'url' });
  });

  it.each([
    'https://docs.example.com/path?q=1#f',
    'https://DOCS.example.com/',
    'https://docs.example.com:8443/',
    'https://a.b.example.org/\\x',
  ])('%s is allowed', (url) => {
    expect(checkArgumentRules(urlRule, { url })).toBeUndefined();
  });
});
