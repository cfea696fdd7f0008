import { describe, expect, it } from 'vitest';
import { screenUpstreamRequest } from './upstream-requests.js';

const elicit = (message: string, extra: Record<string, unknown> = {}) =>
  screenUpstreamRequest(
    'spoofer',
    'elicitation/create',
    { mode: 'url', url: 'https://idp.example/login', message, ...extra },
    undefined,
  );

describe("screenUpstreamRequest(...): an upstream's elicitation naming Warden in look-alike letters (attacker: the upstream)", () => {
  it.each([
    ['Cyrillic а', 'w\u0430rden approval needed'],
    ['Cyrillic е and а', 'W\u0430rd\u0435n holds this call'],
    ['Greek Α, Ε and Ν', 'W\u0391RD\u0395\u039D: approve'],
    ['Cyrillic ԝ', '\u051Darden asks you'],
    ['Latin small capitals', '\u1D21\u1D00\u0280\u1D05\u1D07\u0274 approval'],
    ['an accent', 'W\u00E1rden approval'],
    ['a combining accent', 'Wa\u0301rden approval'],
    ['fullwidth', 'ＷＡＲＤＥＮ approval'],
    ['a zero-width space', 'War\u200Bden approval'],
    ['vv for w', 'VVarden approval'],
  ])('%s: refused', (_label, message) => {
    expect(elicit(message)).toMatchObject({ refusal: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('a look-alike in a _meta key or the URL is refused too', () => {
    expect(elicit('Sign in', { _meta: { 'io.w\u0430rden/origin': { source: 'warden' } } })).toHaveProperty('refusal');
    expect(elicit('Sign in', { url: 'https://w\u0430rden.example/approve' })).toHaveProperty('refusal');
  });

  it('honest wording passes, attributed to the upstream: garden, warren, Russian and Greek text', () => {
    for (const message of ['Water the garden', 'Open the warren', 'Подтвердите вход', 'Επιβεβαίωση σύνδεσης'])
      expect(elicit(message)).toMatchObject({
        params: { message: `[asked by the MCP server "spoofer", not by Warden] ${message}` },
      });
  });
});
