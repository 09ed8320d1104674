/*
 * The local staff desk: the queue of handed-over cases, and the conversation with one customer.
 * API: docs/desk.md. Live: /desk/ws says *that* something changed; the page then re-reads the API.
 * Everything customers and staff write is put on the page with textContent, never as HTML.
 */
(function () {
  'use strict';

  var NAME_KEY = 'llamita-desk:name';
  var NAME_PATTERN = /^[\p{L}\p{N}\p{M}_ .'-]{1,40}$/u;
  var MAX_REPLY = 4000;

  var REASONS = {
    security: 'Security',
    legal: 'Legal',
    distress: 'Customer in distress',
    human_request: 'Asked for a person',
    hot_topic: 'Hot topic',
    edge_case: 'Beyond what Llamita knows'
  };
  var LANGUAGES = {
    en: 'English', es: 'Spanish', pt: 'Portuguese', de: 'German', fr: 'French', it: 'Italian', nl: 'Dutch'
  };

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ------------------------------------------------------------------ state
  var me = '';
  var teams = [];
  var teamFilter = '';
  var cases = [];                 // the open cases, as the API last listed them
  var listedAt = 0;               // when (Date.now()) they were listed, for the wait clocks
  var openCase = null;            // the case shown in the conversation view
  var openMessages = new Map();   // seq -> element, for the open case
  var replyId = null;             // the client id of the reply being sent (kept across retries)
  var replyIdText = null;

  function myStaffId() { return 'desk:' + me.toLowerCase(); }
  function isMine(c) { return c.state === 'claimed' && c.claimed_by === myStaffId(); }

  // ------------------------------------------------------------------ messages to the user
  function showError(text) {
    $('error-text').textContent = text;
    $('error').hidden = false;
  }
  function clearError() { $('error').hidden = true; }
  $('error-close').addEventListener('click', clearError);

  var toastTimer = null;
  function toast(text) {
    var node = $('toast');
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { node.hidden = true; }, 3500);
  }

  function DeskError(message, status, data) {
    this.message = message;
    this.status = status;
    this.data = data;
  }

  function explain(status, data, what) {
    var detail = data && typeof data.error === 'string' ? data.error : '';
    if (status === 401) {
      return 'Your desk session has ended (the staff token changed or the cookie expired). ' +
        'Open the desk link printed by llamita serve again.';
    }
    if (status === 400) return 'Could not ' + what + ': ' + (detail || 'the server did not accept the request') + '.';
    if (status === 404) return 'Could not ' + what + ': that case no longer exists.';
    if (status === 409) return 'Could not ' + what + ': ' + (detail || 'the case changed meanwhile') + '.';
    if (status >= 500) return 'Could not ' + what + ': the server had a problem (HTTP ' + status + '). Try again in a moment.';
    return 'Could not ' + what + (detail ? ': ' + detail : ' (HTTP ' + status + ')') + '.';
  }

  // Header values travel as bytes: send the name's UTF-8 bytes, which the server decodes as UTF-8.
  function headerSafe(text) { return unescape(encodeURIComponent(text)); }

  function api(method, path, body, what, okStatuses) {
    var headers = { Accept: 'application/json' };
    if (me) headers['X-Staff-Name'] = headerSafe(me);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method: method,
      headers: headers,
      credentials: 'same-origin',
      body: body !== undefined ? JSON.stringify(body) : undefined
    }).catch(function () {
      throw new DeskError('Could not ' + what + ': the desk server is not reachable. Is llamita serve running?', 0);
    }).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (response.ok || (okStatuses && okStatuses.indexOf(response.status) >= 0)) {
          return { status: response.status, data: data, headers: response.headers };
        }
        if (response.status === 401) goneSignedOut();
        throw new DeskError(explain(response.status, data, what), response.status, data);
      });
    });
  }

  function report(error) {
    showError(error && error.message ? error.message : 'Something went wrong: ' + error);
  }

  function goneSignedOut() {
    $('live').textContent = 'Signed out';
    $('live').setAttribute('data-state', 'offline');
  }

  // ------------------------------------------------------------------ formatting
  function formatWait(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) return 'under a minute';
    if (minutes < 60) return minutes + ' min';
    return Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min';
  }
  function waitedNow(c) {
    var seconds = c.waited_seconds || 0;
    if (c.state === 'waiting') seconds += (Date.now() - listedAt) / 1000;
    return seconds;
  }
  function languageName(code) { return code ? (LANGUAGES[code] || code.toUpperCase()) : 'unknown'; }
  function mood(sentiment) {
    var value = Number(sentiment) || 0;
    if (value <= -0.5) return { label: 'very upset', kind: 'bad' };
    if (value < -0.15) return { label: 'unhappy', kind: 'meh' };
    if (value > 0.3) return { label: 'positive', kind: 'good' };
    return { label: 'neutral', kind: 'ok' };
  }
  function clock(at) {
    var date = new Date(at);
    return isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  function customerName(c) { return (c.customer && c.customer.name) || 'Anonymous visitor'; }
  function teamName(c) { return c.team_name || c.team || 'no team'; }
  function authorName(m) {
    if (m.author === 'customer') return 'Customer';
    if (m.author === 'bot') return m.name || 'Llamita';
    if (m.author === 'note') return 'Internal note · ' + (m.name || 'staff');
    if (m.author === 'system') return 'Status';
    return m.name || 'Staff';
  }
  function actionText(a) {
    if (a.action === 'freeze_account') {
      return a.done ? 'froze account ' + a.account : 'could not freeze the account (' + (a.why || 'unknown') + ')';
    }
    return String(a.action).replace(/_/g, ' ') + (a.done ? '' : ' (not done: ' + (a.why || 'unknown') + ')');
  }
  function topicName(topic) { return topic ? String(topic).replace(/_/g, ' ') : ''; }
  function truncate(text, length) {
    text = String(text || '').replace(/\s+/g, ' ').trim();
    return text.length > length ? text.slice(0, length - 1) + '…' : text;
  }

  // ------------------------------------------------------------------ the name
  function askName(message) {
    document.body.classList.add('asking-name');
    $('name-panel').hidden = false;
    $('desk-main').hidden = true;
    $('staff-name').value = me;
    $('name-error').textContent = message || '';
    $('staff-name').focus();
  }

  $('name-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var name = $('staff-name').value.trim().replace(/\s+/g, ' ');
    if (!NAME_PATTERN.test(name)) {
      $('name-error').textContent = name
        ? 'Please use up to 40 letters, digits, spaces, dots, apostrophes or hyphens.'
        : 'Please tell us your name.';
      $('staff-name').focus();
      return;
    }
    var first = !me;
    me = name;
    try { localStorage.setItem(NAME_KEY, me); } catch (e) { /* private mode: ask again next time */ }
    document.body.classList.remove('asking-name');
    $('name-panel').hidden = true;
    $('desk-main').hidden = false;
    $('me-name').textContent = me;
    $('me').hidden = false;
    if (first) start(); else { renderCases(); if (openCase) renderConversation(openCase); }
  });
  $('change-name').addEventListener('click', function () { askName(''); });

  // ------------------------------------------------------------------ the queue
  function loadTeams() {
    return api('GET', '/desk/api/teams', undefined, 'load the teams').then(function (result) {
      teams = Array.isArray(result.data) ? result.data : [];
      var select = $('team-filter');
      while (select.options.length > 1) select.remove(1);
      teams.forEach(function (team) {
        var option = el('option', null, team.name);
        option.value = team.id;
        select.appendChild(option);
      });
      try { teamFilter = localStorage.getItem('llamita-desk:team') || ''; } catch (e) { teamFilter = ''; }
      if (!teams.some(function (t) { return t.id === teamFilter; })) teamFilter = '';
      select.value = teamFilter;
    });
  }

  $('team-filter').addEventListener('change', function () {
    teamFilter = $('team-filter').value;
    try { localStorage.setItem('llamita-desk:team', teamFilter); } catch (e) { /* ignore */ }
    loadCases().catch(report);
  });

  // The server sends open cases a page at a time (oldest hand-over first); the desk shows as many
  // pages as staff asked for, and says how many more there are.
  var PAGE = 100;
  var pagesShown = 1;
  var totalOpen = 0;
  var loading = null;
  function loadCases() {
    if (loading) return loading;
    var limit = PAGE * pagesShown;
    var path = '/desk/api/cases?limit=' + limit + (teamFilter ? '&team=' + encodeURIComponent(teamFilter) : '');
    loading = api('GET', path, undefined, 'load the cases').then(function (result) {
      cases = Array.isArray(result.data) ? result.data : [];
      totalOpen = Number(result.headers.get('X-Total-Count')) || cases.length;
      listedAt = Date.now();
      renderCases();
    }).then(function () { loading = null; }, function (error) { loading = null; throw error; });
    return loading;
  }

  $('more-cases-button').addEventListener('click', function () {
    pagesShown += 1;
    loadCases().catch(report);
  });

  function badge(text, kind) { return el('span', 'badge' + (kind ? ' badge-' + kind : ''), text); }

  function caseCard(c) {
    var card = el('li', 'card');
    card.setAttribute('data-case-id', String(c.id));
    card.setAttribute('data-state', c.state);
    if (openCase && openCase.id === c.id) card.setAttribute('aria-current', 'true');

    var top = el('div', 'card-top');
    top.appendChild(badge('#' + c.id, 'id'));
    top.appendChild(badge(teamName(c), 'team'));
    if (c.state === 'waiting') {
      var wait = badge('waiting ' + formatWait(waitedNow(c)), 'waiting');
      wait.setAttribute('data-wait-for', String(c.id));
      top.appendChild(wait);
    } else {
      top.appendChild(badge(isMine(c) ? 'yours' : 'claimed by ' + (c.claimed_by_name || 'someone'),
        isMine(c) ? 'mine' : 'claimed'));
    }
    var language = badge(languageName(c.language), c.needs_translation ? 'translate' : 'lang');
    if (c.needs_translation) {
      language.textContent = '⚑ ' + languageName(c.language) + ' · needs translation';
      language.title = 'Nobody on the team speaks this language; reply through machine translation.';
    }
    top.appendChild(language);
    card.appendChild(top);

    var who = el('h3', 'card-customer', customerName(c));
    var cust = c.customer || {};
    if (cust.verified) who.appendChild(badge('✓ verified', 'verified'));
    if (cust.tier) who.appendChild(badge(cust.tier, cust.tier === 'premium' ? 'premium' : 'tier'));
    card.appendChild(who);

    var facts = el('p', 'card-facts');
    var parts = [];
    if (cust.booking) parts.push('Booking ' + cust.booking);
    parts.push(REASONS[c.reason] || c.reason || 'Handed over');
    if (c.topic) parts.push('about ' + topicName(c.topic));
    var feeling = mood(c.sentiment);
    facts.textContent = parts.join(' · ') + ' · ';
    var moodNode = el('span', 'mood mood-' + feeling.kind, 'mood: ' + feeling.label);
    facts.appendChild(moodNode);
    card.appendChild(facts);

    if (c.summary) card.appendChild(el('p', 'card-summary', c.summary));
    if (c.actions && c.actions.length) {
      card.appendChild(el('p', 'card-did', 'Llamita ' + c.actions.map(actionText).join('; ') + '.'));
    }

    var recent = (c.recent || []).slice(-3);
    if (recent.length) {
      var list = el('ul', 'card-recent');
      recent.forEach(function (m) {
        var line = el('li', 'recent-' + m.author);
        line.appendChild(el('span', 'recent-who', authorName(m) + ': '));
        line.appendChild(document.createTextNode(truncate(m.text, 140)));
        list.appendChild(line);
      });
      card.appendChild(list);
    }

    var actions = el('div', 'card-actions');
    var openButton = el('button', 'button ghost small', openCase && openCase.id === c.id ? 'Showing' : 'Open');
    openButton.type = 'button';
    openButton.setAttribute('aria-label', 'Open case ' + c.id + ' (' + customerName(c) + ')');
    openButton.addEventListener('click', function () { openConversation(c.id).catch(report); });
    actions.appendChild(openButton);
    if (c.state === 'waiting') {
      var claim = el('button', 'button small', 'Claim');
      claim.type = 'button';
      claim.setAttribute('aria-label', 'Claim case ' + c.id + ' (' + customerName(c) + ')');
      claim.addEventListener('click', function () { claimCase(c.id, false, claim); });
      actions.appendChild(claim);
    } else if (!isMine(c)) {
      var take = el('button', 'button warn small', 'Take over');
      take.type = 'button';
      take.setAttribute('aria-label', 'Take case ' + c.id + ' over from ' + (c.claimed_by_name || 'a colleague'));
      take.addEventListener('click', function () { claimCase(c.id, true, take); });
      actions.appendChild(take);
    }
    card.appendChild(actions);
    return card;
  }

  function renderCases() {
    var waiting = cases.filter(function (c) { return c.state === 'waiting'; });
    var claimed = cases.filter(function (c) { return c.state === 'claimed'; });
    fill($('waiting-list'), waiting);
    fill($('claimed-list'), claimed);
    $('waiting-count').textContent = String(waiting.length);
    $('claimed-count').textContent = String(claimed.length);
    $('waiting-empty').hidden = waiting.length > 0;
    $('claimed-empty').hidden = claimed.length > 0;
    var hidden = totalOpen - cases.length;
    $('more-cases').hidden = hidden <= 0;
    $('more-cases-text').textContent = hidden > 0 ? hidden + ' more open case' + (hidden === 1 ? '' : 's') +
      ' not shown. ' : '';
    document.title = (waiting.length ? '(' + waiting.length + ') ' : '') + 'Staff desk · Llama Travel';
  }

  function fill(list, items) {
    // Keep keyboard focus on the same button when the list is redrawn.
    var active = document.activeElement;
    var focusCase = active && list.contains(active) ? active.closest('.card') : null;
    var focusLabel = focusCase ? active.getAttribute('aria-label') : null;
    var focusId = focusCase ? focusCase.getAttribute('data-case-id') : null;
    list.textContent = '';
    items.forEach(function (c) { list.appendChild(caseCard(c)); });
    if (focusId) {
      var again = list.querySelector('.card[data-case-id="' + focusId + '"] button[aria-label="' +
        (focusLabel || '').replace(/["\\]/g, '') + '"]');
      if (again) again.focus();
    }
  }

  function tickWaits() {
    document.querySelectorAll('[data-wait-for]').forEach(function (node) {
      var id = Number(node.getAttribute('data-wait-for'));
      var c = cases.find(function (x) { return x.id === id; });
      if (c) node.textContent = 'waiting ' + formatWait(waitedNow(c));
    });
    if (openCase) $('conv-meta').textContent = conversationMeta(openCase);
  }

  // ------------------------------------------------------------------ actions
  function busy(button, on) { if (button) button.disabled = on; }

  function claimCase(id, takeOver, button) {
    clearError();
    busy(button, true);
    return api('POST', '/desk/api/cases/' + id + '/claim', takeOver ? { take_over: true } : {},
      takeOver ? 'take case #' + id + ' over' : 'claim case #' + id, [409])
      .then(function (result) {
        var data = result.data || {};
        if (result.status === 409) {
          if (data.holder && data.holder.toLowerCase() === me.toLowerCase()) {
            toast('Case #' + id + ' is already yours.');
          } else if (data.holder) {
            showError('Case #' + id + ' is already claimed by ' + data.holder +
              '. Open it and use “Take over” if you need to.');
          } else {
            showError('Could not claim case #' + id + ': it is no longer waiting for a person.');
          }
        } else {
          toast(takeOver ? 'You took over case #' + id + '.' : 'You claimed case #' + id + '.');
        }
        if (data.case && openCase && openCase.id === id) openCase = data.case;
        return Promise.all([loadCases(), openConversation(id)]);
      })
      .catch(report)
      .then(function () { busy(button, false); });
  }

  $('conv-claim').addEventListener('click', function () { if (openCase) claimCase(openCase.id, false, this); });
  $('conv-takeover').addEventListener('click', function () { if (openCase) claimCase(openCase.id, true, this); });

  $('conv-resolve').addEventListener('click', function () {
    if (!openCase) return;
    var id = openCase.id;
    var button = this;
    clearError();
    busy(button, true);
    api('POST', '/desk/api/cases/' + id + '/resolve', {}, 'resolve case #' + id)
      .then(function (result) {
        toast('Case #' + id + ' is resolved. The customer has been told.');
        if (result.data && result.data.case) openCase = result.data.case;
        return Promise.all([loadCases(), refreshConversation()]);
      })
      .catch(report)
      .then(function () { busy(button, false); });
  });

  $('conv-transfer').addEventListener('click', function () {
    if (!openCase) return;
    var id = openCase.id;
    var team = $('transfer-team').value;
    var button = this;
    if (!team) { showError('Pick the team to transfer case #' + id + ' to.'); return; }
    clearError();
    busy(button, true);
    api('POST', '/desk/api/cases/' + id + '/transfer', { team: team }, 'transfer case #' + id)
      .then(function (result) {
        var target = teams.find(function (t) { return t.id === team; });
        toast('Case #' + id + ' is now with ' + (target ? target.name : team) + '.');
        if (result.data && result.data.case) openCase = result.data.case;
        return Promise.all([loadCases(), refreshConversation()]);
      })
      .catch(report)
      .then(function () { busy(button, false); });
  });

  // ------------------------------------------------------------------ the conversation
  function conversationMeta(c) {
    var parts = [teamName(c)];
    if (c.state === 'waiting') parts.push('waiting for a person · ' + formatWait(waitedNow(c)));
    else if (c.state === 'claimed') parts.push(isMine(c) ? 'claimed by you' : 'claimed by ' + (c.claimed_by_name || 'someone'));
    else parts.push(c.state);
    if (c.state !== 'waiting' && c.handed_over_at) parts.push('waited ' + (c.waited || formatWait(c.waited_seconds || 0)));
    return parts.join(' · ');
  }

  function detail(list, term, value, className) {
    if (value === null || value === undefined || value === '') return;
    list.appendChild(el('dt', null, term));
    var dd = el('dd', className || null);
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    list.appendChild(dd);
  }

  function renderConversation(c) {
    openCase = c;
    // desk-notes.js shows the trainers' notes of the open case.
    document.dispatchEvent(new CustomEvent('llamita:case-opened', { detail: { id: c.id } }));
    $('conv-empty').hidden = true;
    $('conv').hidden = false;
    $('conv').setAttribute('data-state', c.state);
    $('conv-title').textContent = 'Case #' + c.id + ' · ' + customerName(c);
    $('conv-meta').textContent = conversationMeta(c);

    var details = $('conv-details');
    details.textContent = '';
    var cust = c.customer || {};
    detail(details, 'Reason', REASONS[c.reason] || c.reason);
    detail(details, 'Summary', c.summary);
    detail(details, 'Topic', topicName(c.topic));
    var customer = [cust.name || 'Anonymous visitor'];
    if (cust.tier) customer.push(cust.tier);
    customer.push(cust.verified ? 'signed in (verified)' : 'not signed in');
    if (cust.email) customer.push(cust.email);
    detail(details, 'Customer', customer.join(' · '));
    detail(details, 'Booking', cust.booking);
    var language = languageName(c.language) + (c.needs_translation ? ' — ⚑ needs translation (not a staff language)' : '');
    detail(details, 'Language', language, c.needs_translation ? 'translate' : null);
    var feeling = mood(c.sentiment);
    detail(details, 'Mood', feeling.label + ' (' + (Number(c.sentiment) || 0).toFixed(1) + ')', 'mood-' + feeling.kind);
    if (c.signals && c.signals.length) detail(details, 'Signals', c.signals.join(', '));
    if (c.actions && c.actions.length) {
      detail(details, 'Llamita did', c.actions.map(actionText).join('; '));
    }

    var mine = isMine(c);
    var open = c.state === 'waiting' || c.state === 'claimed';
    $('conv-claim').hidden = c.state !== 'waiting';
    $('conv-takeover').hidden = !(c.state === 'claimed' && !mine);
    $('conv-takeover').textContent = 'Take over from ' + (c.claimed_by_name || 'colleague');
    $('conv-resolve').hidden = !open;
    $('conv-transfer').parentNode.hidden = !open;
    var select = $('transfer-team');
    var chosen = select.value;
    select.textContent = '';
    var prompt = el('option', null, 'Transfer to…');
    prompt.value = '';
    select.appendChild(prompt);
    teams.forEach(function (t) {
      if (t.id === c.team) return;
      var option = el('option', null, t.name);
      option.value = t.id;
      select.appendChild(option);
    });
    select.value = Array.prototype.some.call(select.options, function (o) { return o.value === chosen; }) ? chosen : '';

    $('reply-label').textContent = mine
      ? 'Reply to ' + customerName(c)
      : 'Internal note (only staff see it' + (open && !mine ? ' — claim the case to reply to the customer' : '') + ')';
    $('reply-send').textContent = mine ? 'Send' : 'Add note';
    $('reply-form').setAttribute('data-mode', mine ? 'reply' : 'note');
    renderCases();
  }

  function messageItem(m) {
    var item = el('li', 'message message-' + m.author);
    item.setAttribute('data-seq', String(m.seq));
    if (m.author === 'system') {
      item.appendChild(el('p', 'message-text', m.text));
      return item;
    }
    var head = el('div', 'message-head');
    head.appendChild(el('span', 'message-who', authorName(m)));
    head.appendChild(el('span', 'message-time', clock(m.at)));
    item.appendChild(head);
    item.appendChild(el('p', 'message-text', m.text));
    if (m.translation) {
      var translated = el('p', 'message-translation');
      translated.appendChild(el('span', 'translation-label', 'Translation: '));
      translated.appendChild(document.createTextNode(m.translation));
      item.appendChild(translated);
    }
    return item;
  }

  function showMessages(messages) {
    var list = $('conv-messages');
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var added = false;
    messages.forEach(function (m) {
      if (openMessages.has(m.seq)) return;
      var item = messageItem(m);
      openMessages.set(m.seq, item);
      var before = null;
      for (var k = 0; k < list.children.length; k++) {
        if (Number(list.children[k].getAttribute('data-seq')) > m.seq) { before = list.children[k]; break; }
      }
      list.insertBefore(item, before);
      added = true;
      if (m.author === 'customer') $('conv-typing').hidden = true;
    });
    if (added && (nearBottom || messages.length === openMessages.size)) list.scrollTop = list.scrollHeight;
  }

  var conversationRequest = 0;
  function openConversation(id) {
    var request = ++conversationRequest;
    clearError();
    return api('GET', '/desk/api/cases/' + id, undefined, 'open case #' + id).then(function (result) {
      if (request !== conversationRequest) return;
      var data = result.data || {};
      if (!openCase || openCase.id !== id) {
        openMessages.clear();
        $('conv-messages').textContent = '';
        $('conv-typing').hidden = true;
        $('reply-text').value = '';
        updateReplyCounter();
      }
      renderConversation(data.case);
      showMessages(data.messages || []);
    });
  }

  function refreshConversation() {
    return openCase ? openConversation(openCase.id) : Promise.resolve();
  }

  // ------------------------------------------------------------------ replying
  function updateReplyCounter() {
    var length = $('reply-text').value.length;
    var over = length > MAX_REPLY;
    $('reply-counter').textContent = length >= MAX_REPLY * 0.8 ? length + ' / ' + MAX_REPLY : '';
    $('reply-counter').setAttribute('data-over', over ? 'true' : 'false');
    $('reply-send').disabled = over;
  }
  $('reply-text').addEventListener('input', updateReplyCounter);
  $('reply-text').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('reply-form').requestSubmit();
    }
  });

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }

  var sending = false;
  $('reply-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!openCase || sending) return;
    var id = openCase.id;
    var text = $('reply-text').value;
    if (!text.trim()) { showError('Write something first.'); return; }
    if (text.length > MAX_REPLY) { showError('Replies are limited to ' + MAX_REPLY + ' characters; please split it.'); return; }
    // The same words sent again (after a failure) keep their id, so the server stores them once.
    if (replyIdText !== text) { replyId = newId(); replyIdText = text; }
    sending = true;
    clearError();
    $('reply-send').disabled = true;
    api('POST', '/desk/api/cases/' + id + '/messages', { text: text, id: replyId }, 'send the message')
      .then(function (result) {
        var data = result.data || {};
        if (openCase && openCase.id === id) {
          if ($('reply-text').value === text) $('reply-text').value = '';
          if (data.message) showMessages([data.message]);
        }
        replyId = replyIdText = null;
        if (data.to_customer === false) toast('Saved as an internal note: only staff see it.');
        updateReplyCounter();
      })
      .catch(report)
      .then(function () {
        sending = false;
        $('reply-send').disabled = $('reply-text').value.length > MAX_REPLY;
        $('reply-text').focus();
      });
  });

  // ------------------------------------------------------------------ live updates
  var socket = null;
  var socketAttempts = 0;
  var changed = new Set();
  var refreshTimer = null;
  var typingTimer = null;

  function setLive(stateName, text) {
    $('live').setAttribute('data-state', stateName);
    $('live').textContent = text;
  }

  function connectLive() {
    var url = location.origin.replace(/^http/, 'ws') + '/desk/ws';
    var ws;
    try { ws = new WebSocket(url); } catch (e) { scheduleLive(); return; }
    socket = ws;
    var opened = false;
    ws.addEventListener('open', function () {
      opened = true;
      socketAttempts = 0;
      setLive('live', 'Live');
      // Anything that happened while we were away: read it all again.
      scheduleRefresh(null);
    });
    ws.addEventListener('message', function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (!data || typeof data !== 'object') return;
      if (data.type === 'typing') {
        if (openCase && data.case_id === openCase.id) {
          $('conv-typing').hidden = false;
          clearTimeout(typingTimer);
          typingTimer = setTimeout(function () { $('conv-typing').hidden = true; }, 6000);
        }
        return;
      }
      scheduleRefresh(typeof data.case_id === 'number' ? data.case_id : null);
    });
    ws.addEventListener('close', function () {
      if (socket !== ws) return;
      socket = null;
      setLive('offline', 'Reconnecting…');
      if (!opened) {
        // Refused before opening: find out whether the staff token is still good.
        api('GET', '/desk/api/teams', undefined, 'reconnect').catch(function (error) {
          if (error.status === 401) {
            showError(error.message);
          }
        });
      }
      scheduleLive();
    });
  }

  function scheduleLive() {
    var delay = Math.min(30000, 1000 * Math.pow(2, socketAttempts)) * (0.75 + Math.random() * 0.5);
    socketAttempts++;
    setTimeout(connectLive, delay);
  }

  // Events come in bursts (a claim: a card update, a status line, a message): refresh once.
  function scheduleRefresh(caseId) {
    changed.add(caseId);
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      var ids = changed;
      changed = new Set();
      var work = [loadCases()];
      if (openCase && (ids.has(null) || ids.has(openCase.id))) work.push(refreshConversation());
      Promise.all(work).catch(report);
    }, 250);
  }

  // ------------------------------------------------------------------ start
  function start() {
    $('desk-main').hidden = false;
    loadTeams()
      .then(loadCases)
      .catch(report)
      .then(function () {
        connectLive();
        setInterval(tickWaits, 15000);
        setInterval(function () { if (!socket) loadCases().catch(function () { /* shown by the socket */ }); }, 30000);
      });
  }

  try { me = localStorage.getItem(NAME_KEY) || ''; } catch (e) { me = ''; }
  if (me && NAME_PATTERN.test(me)) {
    $('me-name').textContent = me;
    $('me').hidden = false;
    start();
  } else {
    me = '';
    askName('');
  }
})();
