/**
 * The console's one script, served as `assets/console.js` (the Content-Security-Policy allows
 * no inline script). It polls the JSON endpoints so decisions made elsewhere appear without a
 * reload, and writes only text (`textContent`), never markup, with hidden characters shown as
 * escapes exactly as the server renders them.
 *
 * @module
 */
import { HIDDEN_CHARACTERS_PATTERN } from '../html/escape.js';

/** The script's source. */
export const CONSOLE_SCRIPT: string = `'use strict';
(function () {
  var body = document.body;
  var base = body.dataset.base || '';
  var POLL_MS = 2000;

  // Polled text comes from requesters: show invisible and bidirectional-control characters as
  // \\uXXXX escapes, as the server's pages do, or a poll would undo what the page showed.
  var HIDDEN = /${HIDDEN_CHARACTERS_PATTERN}/gu;
  function visible(value) {
    return String(value).replace(HIDDEN, function (character) {
      var out = '';
      for (var index = 0; index < character.length; index++) {
        out += '\\\\u' + ('000' + character.charCodeAt(index).toString(16)).slice(-4);
      }
      return out;
    });
  }

  function text(tag, value, className) {
    var element = document.createElement(tag);
    element.textContent = value === null || value === undefined ? '\\u2014' : visible(value);
    if (className) element.className = className;
    return element;
  }

  function time(value) {
    var cell = document.createElement('td');
    if (value === null || value === undefined) { cell.textContent = '\\u2014'; return cell; }
    var element = document.createElement('time');
    element.dateTime = value;
    // A time is the store's text like any other field (a record rewritten in Redis chooses it).
    element.textContent = visible(String(value).replace('T', ' ').replace(/\\.\\d+Z$/, 'Z'));
    cell.appendChild(element);
    return cell;
  }

  function poll(url, onData) {
    function tick() {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' })
        .then(function (response) {
          if (response.status === 401) { window.location.assign(base + '/sign-in'); return null; }
          return response.ok ? response.json() : null;
        })
        .then(function (data) { if (data) onData(data); })
        .catch(function () {})
        .then(function () { window.setTimeout(tick, POLL_MS); });
    }
    window.setTimeout(tick, POLL_MS);
  }

  function renderList(data) {
    var rows = document.getElementById('pending-rows');
    if (!rows) return;
    var fragment = document.createDocumentFragment();
    data.pending.forEach(function (request) {
      var row = document.createElement('tr');
      var first = document.createElement('td');
      var link = document.createElement('a');
      link.href = base + '/approvals/' + encodeURIComponent(request.id);
      link.textContent = visible(request.description);
      first.appendChild(link);
      row.appendChild(first);
      row.appendChild(text('td', request.requester));
      row.appendChild(text('td', request.gateway));
      row.appendChild(text('td', request.tier));
      row.appendChild(text('td', request.approvals + ' of ' + request.quorum));
      row.appendChild(time(request.createdAt));
      row.appendChild(time(request.expiresAt));
      fragment.appendChild(row);
    });
    rows.replaceChildren(fragment);
    var count = document.getElementById('pending-count');
    var sentence = data.pending.length + ' pending on this page.';
    if (count && count.textContent !== sentence) count.textContent = sentence;
  }

  function renderRequest(data) {
    var status = document.getElementById('request-status');
    if (status) status.textContent = visible(data.status);
    var quorum = document.getElementById('request-quorum');
    if (quorum) quorum.textContent = data.approvals.length + ' of ' + data.quorum + ' approvals';
    if (data.status === 'pending' || !data.summary) return;
    var live = document.getElementById('live-status');
    if (live && live.textContent !== data.summary) {
      live.replaceChildren(text('span', data.summary, 'flash flash-info'));
    }
    var form = document.getElementById('decision-form');
    if (form) {
      form.querySelectorAll('button, textarea').forEach(function (control) { control.disabled = true; });
    }
  }

  function renderKillSwitch(data) {
    var state = document.getElementById('kill-switch-state');
    if (!state) return;
    var active = data.active === true;
    if (state.classList.contains('state-active') !== active) {
      state.textContent = active
        ? 'ACTIVE: agents are stopped (changed elsewhere; reload for details)'
        : 'Released: agents may run (changed elsewhere; reload for details)';
      state.className = 'state ' + (active ? 'state-active' : 'state-released');
    }
  }

  if (body.dataset.pollList) poll(body.dataset.pollList, renderList);
  if (body.dataset.pollRequest) poll(body.dataset.pollRequest, renderRequest);
  if (body.dataset.pollKillSwitch) poll(body.dataset.pollKillSwitch, renderKillSwitch);
})();
`;
