import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CONSOLE_SCRIPT } from './script.js';

/** Just enough of a DOM element for the page script: text, children, attributes. */
interface FakeElement {
  tag: string;
  textContent: string;
  children: FakeElement[];
  [property: string]: unknown;
}

function element(tag: string): FakeElement {
  const node: FakeElement = {
    tag,
    textContent: '',
    children: [],
    className: '',
    appendChild(child: FakeElement) {
      node.children.push(child);
      return child;
    },
    replaceChildren(...children: FakeElement[]) {
      node.children = children.flatMap((child) => (child.tag === '#fragment' ? child.children : [child]));
    },
  };
  return node;
}

/** Every text the element and its descendants hold. */
function allText(node: FakeElement): string {
  return [node.textContent, ...node.children.map(allText)].join('|');
}

/** Runs the page script on a list page whose poll answers `pending`, and returns the rows it wrote. */
async function pollListOnce(pending: unknown[]): Promise<FakeElement> {
  const rows = element('tbody');
  const timers: (() => void)[] = [];
  const document = {
    body: { dataset: { base: '/console', pollList: '/console/api/approvals' } },
    createElement: element,
    createDocumentFragment: () => element('#fragment'),
    getElementById: (id: string) => (id === 'pending-rows' ? rows : null),
  };
  const window = { setTimeout: (tick: () => void) => timers.push(tick), location: { assign() {} } };
  const fetch = async () => ({ status: 200, ok: true, json: async () => ({ pending }) });
  runInNewContext(CONSOLE_SCRIPT, { document, window, fetch });
  timers.shift()?.();
  await new Promise((resolve) => setTimeout(resolve, 10));
  return rows;
}

describe('the page script', () => {
  it('writes polled text with hidden characters shown as escapes, as the server renders it (Trojan Source)', async () => {
    // The attacker (a peer filing a request) hides a reversed command in its description.
    const rows = await pollListOnce([
      {
        id: 'apr_1',
        description: 'list files \u202e; rm -rf ~',
        requester: 'peer\u200b',
        gateway: null,
        tier: 'auto',
        approvals: 0,
        quorum: 1,
        createdAt: null,
        expiresAt: null,
      },
    ]);
    const text = allText(rows);
    expect(text).toContain('list files \\u202e; rm -rf ~');
    expect(text).toContain('peer\\u200b');
    expect(text).not.toMatch(/[\u200b\u202e]/u);
  });

  it('writes polled times with hidden characters shown as escapes too (a record rewritten in Redis chooses them)', async () => {
    const rows = await pollListOnce([
      {
        id: 'apr_2',
        description: 'deploy',
        requester: 'peer',
        gateway: null,
        tier: 'auto',
        approvals: 0,
        quorum: 1,
        createdAt: '2026-01-01T00:00:00.000Z \u202eyreve',
        expiresAt: '\u2066never\u2069',
      },
    ]);
    const text = allText(rows);
    expect(text).toContain('\\u202eyreve');
    expect(text).toContain('\\u2066never\\u2069');
    expect(text).not.toMatch(/[\u202e\u2066\u2069]/u);
  });
});
