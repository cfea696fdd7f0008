import { describe, expect, it } from 'vitest';
import { consolePath, escapeHtml, html } from './escape.js';

describe('escaping', () => {
  it('escapeHtml escapes every character that can open markup or leave an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });

  it('escapeHtml shows hidden characters as escapes and leaves other scripts and emoji alone', () => {
    expect(escapeHtml('a\u202eb\u200bc\u0007d\u{E0041}e\tf\ng')).toBe('a\\u202eb\\u200bc\\u0007d\\udb40\\udc41e\tf\ng');
    expect(escapeHtml('Grüße, 你好, مرحبا 🚀')).toBe('Grüße, 你好, مرحبا 🚀');
  });

  it('escapeHtml shows every invisible format character as an escape, those @warden/mcp flags in a tool definition included (attacker: an MCP server hiding text)', () => {
    // U+1D173 (musical begin beam), U+1BCA0 (shorthand format letter overlap), U+13430 (Egyptian
    // hieroglyph joiner), U+2064 (invisible plus) and U+0600 (Arabic number sign) are format characters.
    expect(escapeHtml('a\u{1D173}b\u{1BCA0}c\u{13430}d\u2064e\u0600f')).toBe(
      'a\\ud834\\udd73b\\ud82f\\udca0c\\ud80d\\udc30d\\u2064e\\u0600f',
    );
  });

  it('html`` escapes interpolated values and arrays, keeps nested html`` as markup', () => {
    const attacker = '<script>alert(1)</script>';
    const page = html`<p title="${attacker}">${attacker}${[attacker, html`<b>ok</b>`]}</p>`;
    expect(page.value).not.toContain('<script>');
    expect(page.value).toContain('<b>ok</b>');
    expect(page.value).toContain('title="&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('consolePath percent-encodes ids, so an id cannot become a javascript: URL or leave the console', () => {
    expect(consolePath('/console', 'approvals', 'javascript:alert(1)')).toBe(
      '/console/approvals/javascript%3Aalert(1)',
    );
    expect(consolePath('/console', 'approvals', '../../admin')).toBe('/console/approvals/..%2F..%2Fadmin');
  });
});
