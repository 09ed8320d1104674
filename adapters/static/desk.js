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
  var openMessages = new Map();   // message key -> element, for the open case
  // A note shares the number of the message it follows: messages are told apart by their stored id.
  function messageKey(m) { return m.id != null ? 'id:' + m.id : 'seq:' + m.seq + ':' + m.author; }
  var view = 'open';              // 'open' cases or the 'history' of closed ones

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
      return 'Your desk session has ended (it lasts a working day, or the staff token changed). ' +
        'Reload the page to sign in again.';
    }
    if (status === 400) return 'Could not ' + what + ': ' + (detail || 'the server did not accept the request') + '.';
    if (status === 404) return 'Could not ' + what + ': that case no longer exists.';
    if (status === 409) return 'Could not ' + what + ': ' + (detail || 'the case changed meanwhile') + '.';
    if (status >= 500) return 'Could not ' + what + ': the server had a problem (HTTP ' + status + '). Try again in a moment.';
    return 'Could not ' + what + (detail ? ': ' + detail : ' (HTTP ' + status + ')') + '.';
  }

  // Header values travel as bytes: send the name's UTF-8 bytes, which the server decodes as UTF-8.
  function headerSafe(text) { return unescape(encodeURIComponent(text)); }

  function api(method, path, body, what, okStatuses, asName) {
    var headers = { Accept: 'application/json' };
    if (asName || me) headers['X-Staff-Name'] = headerSafe(asName || me);
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
  // What was done on the case, and by whom: Llamita's tools, and staff actions (they carry "by").
  function actionText(a) {
    var who = a.by || 'Llamita';
    if (a.action === 'freeze_account') {
      return a.done ? who + ' froze account ' + a.account
        : who + ' could not freeze the account (' + (a.why || 'unknown') + ')';
    }
    if (a.action === 'unfreeze_account') return who + ' unfroze account ' + a.account;
    return who + ': ' + String(a.action).replace(/_/g, ' ') + (a.done ? '' : ' (not done: ' + (a.why || 'unknown') + ')');
  }
  function isOpen(c) { return c.state === 'waiting' || c.state === 'claimed'; }
  function frozen(c) { return Boolean(c.customer && c.customer.account_frozen); }
  function topicName(topic) { return topic ? String(topic).replace(/_/g, ' ') : ''; }
  function truncate(text, length) {
    text = String(text || '').replace(/\s+/g, ' ').trim();
    return text.length > length ? text.slice(0, length - 1) + '…' : text;
  }

  function shortDate(at) {
    var date = new Date(at);
    return isNaN(date.getTime()) ? '' : date.toLocaleDateString([], { day: 'numeric', month: 'short' });
  }

  // A returning customer's other cases, each a button that opens it.
  function earlierLine(c, className) {
    var earlier = c.earlier || [];
    if (!earlier.length) return null;
    var line = el('p', className, 'Earlier cases of this customer:');
    earlier.forEach(function (e) {
      var link = el('button', 'link-button', '#' + e.id + ' (' + e.state + (e.closed_at ? ', ' + shortDate(e.closed_at) : '') + ')');
      link.type = 'button';
      link.setAttribute('aria-label', 'Open earlier case ' + e.id);
      link.addEventListener('click', function () { openConversation(e.id).catch(report); });
      line.appendChild(link);
    });
    return line;
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
    } else if (c.state !== 'claimed') {
      top.appendChild(badge(c.state + (c.closed_at ? ' ' + shortDate(c.closed_at) : ''), 'closed'));
    } else {
      top.appendChild(badge(isMine(c) ? 'yours' : 'claimed by ' + (c.claimed_by_name || 'someone'),
        isMine(c) ? 'mine' : 'claimed'));
    }
    var language = badge(languageName(c.language), c.needs_translation ? 'translate' : 'lang');
    if (c.translating) {
      language.textContent = '⇄ ' + languageName(c.language) + ' · machine translation';
      language.title = 'Messages are machine-translated both ways: write in English.';
    } else if (c.needs_translation) {
      language.textContent = '⚑ ' + languageName(c.language) + (c.language_choice ? ' · chose ' + languageName(c.language_choice) : ' · needs translation');
      language.title = 'Nobody on the team speaks this language.';
    }
    top.appendChild(language);
    card.appendChild(top);

    var who = el('h3', 'card-customer', customerName(c));
    var cust = c.customer || {};
    if (cust.verified) who.appendChild(badge('✓ verified', 'verified'));
    if (cust.tier) who.appendChild(badge(cust.tier, cust.tier === 'premium' ? 'premium' : 'tier'));
    if (frozen(c)) who.appendChild(badge('account frozen', 'frozen'));
    card.appendChild(who);

    var facts = el('p', 'card-facts');
    var parts = [];
    if (cust.booking) parts.push('Booking ' + cust.booking);
    parts.push(REASONS[c.reason] || c.reason || 'Handed over');
    if (c.handover && c.handover.topics && c.handover.topics.length) parts.push('about ' + c.handover.topics.join(', '));
    else if (c.topic) parts.push('about ' + topicName(c.topic));
    var feeling = mood(c.sentiment);
    facts.textContent = parts.join(' · ') + ' · ';
    var moodNode = el('span', 'mood mood-' + feeling.kind, 'mood: ' + (c.handover ? c.handover.mood_now : feeling.label));
    facts.appendChild(moodNode);
    card.appendChild(facts);

    if (c.handover) card.appendChild(el('p', 'card-summary', c.handover.wants));
    else if (c.summary) card.appendChild(el('p', 'card-summary', c.summary));
    if (c.actions && c.actions.length) {
      card.appendChild(el('p', 'card-did', c.actions.map(actionText).join('; ') + '.'));
    }

    var earlier = earlierLine(c, 'card-earlier');
    if (earlier) card.appendChild(earlier);

    var recent = (c.recent || []).slice(-3);
    if (recent.length) {
      var list = el('ul', 'card-recent');
      recent.forEach(function (m) {
        var line = el('li', 'recent-' + m.author);
        line.appendChild(el('span', 'recent-who', authorName(m) + ': '));
        line.appendChild(document.createTextNode(truncate(staffReads(m), 140)));
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
    } else if (c.state === 'claimed' && !isMine(c)) {
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
    $('open-count').textContent = String(totalOpen);
    noticeArrivals(waiting);
    updateTitle();
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
    if (frozen(openCase) && !window.confirm('The account of case #' + id + ' is still frozen: the customer cannot ' +
        'book or pay until someone unfreezes it. Resolve anyway?')) return;
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

  $('conv-unfreeze').addEventListener('click', function () {
    if (!openCase) return;
    var id = openCase.id;
    var button = this;
    if (!window.confirm('Unfreeze the account of case #' + id + '? Do it only once you have confirmed who the ' +
        'customer is: they can book and pay with it again.')) return;
    clearError();
    busy(button, true);
    api('POST', '/desk/api/cases/' + id + '/unfreeze', {}, 'unfreeze the account of case #' + id)
      .then(function (result) {
        toast('The account of case #' + id + ' is unfrozen. The customer has been told.');
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
    if (c.handover) handoverDetails(details, c.handover);
    else {
      detail(details, 'Summary', c.summary);
      detail(details, 'Topic', topicName(c.topic));
    }
    var customer = [cust.name || 'Anonymous visitor'];
    if (cust.tier) customer.push(cust.tier);
    customer.push(cust.verified ? 'signed in (verified)' : 'not signed in');
    if (cust.email) customer.push(cust.email);
    detail(details, 'Customer', customer.join(' · '));
    detail(details, 'Booking', cust.booking);
    if (frozen(c)) detail(details, 'Account', 'frozen: no bookings or payments until someone unfreezes it');
    if (!c.handover) {
      var language = languageName(c.language) + (c.needs_translation ? ' — ⚑ needs translation (not a staff language)' : '');
      detail(details, 'Language', language, c.needs_translation ? 'translate' : null);
      var feeling = mood(c.sentiment);
      detail(details, 'Mood', (c.mood || feeling.label), 'mood-' + feeling.kind);
    }
    if (c.actions && c.actions.length) {
      detail(details, 'Actions', c.actions.map(actionText).join('; '));
    }
    detail(details, 'Follow-up e-mail', c.follow_up_email);
    if (c.state === 'waiting' && c.reminders_sent) detail(details, 'Reminders', c.reminded);
    $('conv-summary-line').textContent = '· ' + [REASONS[c.reason] || c.reason, cust.booking, c.summary]
      .filter(Boolean).join(' · ');
    var earlierBox = $('conv-earlier');
    earlierBox.textContent = '';
    var earlier = earlierLine(c, '');
    earlierBox.hidden = !earlier;
    if (earlier) while (earlier.firstChild) earlierBox.appendChild(earlier.firstChild);

    var mine = isMine(c);
    var open = c.state === 'waiting' || c.state === 'claimed';
    $('conv-claim').hidden = c.state !== 'waiting';
    $('conv-takeover').hidden = !(c.state === 'claimed' && !mine);
    $('conv-takeover').textContent = 'Take over from ' + (c.claimed_by_name || 'colleague');
    $('conv-resolve').hidden = !open;
    $('conv-unfreeze').hidden = !frozen(c);   // also on a closed case: the account stays frozen until someone acts
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
    $('reply-mode').textContent = mine ? 'To ' + customerName(c) : 'Internal note: only staff see it';
    $('reply-text').placeholder = mine ? 'Reply…' : 'Internal note…';
    $('reply-send').textContent = mine ? 'Send' : 'Add note';
    $('reply-form').setAttribute('data-mode', mine ? 'reply' : 'note');
    renderCases();
    showPendingReplies();
  }

  // The hand-over summary: the same fields as the Slack and Teams cards (adapters/labels.py).
  function handoverDetails(details, handover) {
    (handover.fields || []).forEach(function (row) {
      detail(details, row[0], row[1], row[0] === 'Language' && /machine translation|not a staff language/.test(row[1])
        ? 'translate' : null);
    });
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
    item.setAttribute('data-translation', m.translation_state || '');
    if (m.attachment) {
      item.appendChild(attachmentNode(m.attachment));
      return item;
    }
    translatedMessage(item, m);
    return item;
  }

  // ------------------------------------------------------------------ machine translation
  // A customer's words machine-translated: the translation first, the original one click away (a toggle);
  // a failed translation says so; a staff reply shows what the customer got.
  function staffReads(m) {
    return m.author === 'customer' && m.translation_state === 'done' && m.translation ? m.translation : m.text;
  }

  var toggles = 0;
  function translatedMessage(item, m) {
    var state = m.translation_state || (m.translation ? 'done' : '');
    if (m.author === 'customer' && state === 'done' && m.translation) {
      item.appendChild(el('p', 'message-text', m.translation));
      var toggle = el('button', 'link-button original-toggle');
      toggle.type = 'button';
      var original = el('p', 'message-translation message-original', m.text);
      original.id = 'original-' + (++toggles);
      original.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      toggle.setAttribute('aria-controls', original.id);
      toggle.textContent = 'Show original';
      toggle.addEventListener('click', function () {
        var open = original.hidden;
        original.hidden = !open;
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
        toggle.textContent = open ? 'Hide original' : 'Show original';
      });
      item.appendChild(toggle);
      item.appendChild(original);
      return;
    }
    item.appendChild(el('p', 'message-text', m.text));
    var note = null;
    if (state === 'failed') {
      note = m.author === 'customer' ? '⚠ Translation failed: shown as written; trying again.'
        : '⚠ Translation failed: the customer got it as written; trying again.';
    } else if (state === 'pending') {
      note = 'Translating…';
    } else if (m.author !== 'customer' && state === 'done' && m.translation) {
      note = 'Sent as: ' + m.translation;
    }
    if (note) {
      var translated = el('p', 'message-translation', note);
      translated.setAttribute('data-state', state);
      item.appendChild(translated);
    }
  }

  function attachmentNode(a) {
    var link = el('a', 'attachment');
    link.href = a.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    if (a.kind === 'image' && a.thumb_url) {
      var img = el('img');
      img.src = a.thumb_url;
      img.alt = 'Photo: ' + a.name;
      if (a.width && a.height) {
        var scale = Math.min(1, 220 / a.width, 160 / a.height);
        img.width = Math.round(a.width * scale);
        img.height = Math.round(a.height * scale);
      }
      link.appendChild(img);
    } else {
      link.appendChild(el('span', 'attachment-doc', '📄 ' + a.name + ' (' + Math.max(1, Math.round(a.size / 1024)) + ' KB)'));
    }
    return link;
  }

  function showMessages(messages) {
    var list = $('conv-messages');
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var added = false;
    messages.forEach(function (m) {
      var known = openMessages.get(messageKey(m));
      if (known && m.author !== 'note' && known.getAttribute('data-translation') !== (m.translation_state || '')) {
        // Its translation came (or failed) since it was shown.
        var fresh = messageItem(m);
        known.parentNode.replaceChild(fresh, known);
        openMessages.set(messageKey(m), fresh);
        return;
      }
      if (openMessages.has(messageKey(m))) return;
      var item = messageItem(m);
      openMessages.set(messageKey(m), item);
      var before = null;
      for (var k = 0; k < list.children.length; k++) {
        if (Number(list.children[k].getAttribute('data-seq')) > m.seq) { before = list.children[k]; break; }
      }
      if (!before) before = list.querySelector('[data-pending]');
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
      if (!document.body.classList.contains('case-open')) {
        // On a phone the case becomes its own view (shown before its messages are laid out, so they scroll).
        document.body.classList.add('case-open');
        if (narrow()) history.pushState({ desk: 'case', id: id }, '', '#case-' + id);
      }
      renderConversation(data.case);
      showMessages(data.messages || []);
      seenCase(id);
    });
  }

  function narrow() { return window.matchMedia('(max-width: 760px)').matches; }

  // The phone's back button (or the browser's) returns to the list.
  function closeConversation() {
    document.body.classList.remove('case-open');
    var card = document.querySelector('.card[data-case-id="' + (openCase ? openCase.id : '') + '"] button');
    if (card && narrow()) card.focus();
  }
  $('conv-back').addEventListener('click', function () {
    if (history.state && history.state.desk === 'case') history.back(); else closeConversation();
  });
  window.addEventListener('popstate', function () { closeConversation(); });

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
  // The customer's widget says "Ana is typing…" while the person who holds the case writes (at most every 3 s).
  var typingSentAt = 0;
  function typingNudge() {
    var now = Date.now();
    if (!openCase || !isMine(openCase) || !$('reply-text').value.trim() || now - typingSentAt < 3000) return;
    typingSentAt = now;
    api('POST', '/desk/api/cases/' + openCase.id + '/typing', undefined, 'say you are typing').catch(function () {});
  }
  $('reply-text').addEventListener('input', updateReplyCounter);
  $('reply-text').addEventListener('input', typingNudge);
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

  // Replies wait in an outbox (kept in this browser) until the server has them: written while the
  // desk server is unreachable, they go when it is back, in order, each once (the server keeps the
  // first copy of a client id).
  var OUTBOX_KEY = 'llamita-desk:outbox';
  var outbox = [];
  try { outbox = JSON.parse(localStorage.getItem(OUTBOX_KEY) || '[]'); } catch (e) { outbox = []; }
  if (!Array.isArray(outbox)) outbox = [];
  var flushing = false;
  var flushTimer = null;
  var flushDelay = 1000;

  function saveOutbox() {
    try { localStorage.setItem(OUTBOX_KEY, JSON.stringify(outbox)); } catch (e) { /* private mode: memory only */ }
  }

  function pendingItem(entry) {
    var item = el('li', 'message message-' + (openCase && isMine(openCase) ? 'staff' : 'note'));
    item.setAttribute('data-pending', entry.id);
    var head = el('div', 'message-head');
    head.appendChild(el('span', 'message-who', entry.name));
    head.appendChild(el('span', 'message-status', navigator.onLine === false || !socket ? 'Waiting for connection…' : 'Sending…'));
    item.appendChild(head);
    item.appendChild(el('p', 'message-text', entry.text));
    return item;
  }

  function showPendingReplies() {
    var list = $('conv-messages');
    list.querySelectorAll('[data-pending]').forEach(function (node) { node.remove(); });
    if (!openCase) return;
    outbox.forEach(function (entry) {
      if (entry.caseId === openCase.id) list.appendChild(pendingItem(entry));
    });
    if (outbox.length) list.scrollTop = list.scrollHeight;
  }

  function markWaiting(text) {
    document.querySelectorAll('#conv-messages [data-pending] .message-status').forEach(function (node) {
      node.textContent = text;
    });
  }

  function flushOutbox() {
    clearTimeout(flushTimer);
    if (flushing || !outbox.length) return;
    var entry = outbox[0];
    flushing = true;
    api('POST', '/desk/api/cases/' + entry.caseId + '/messages', { text: entry.text, id: entry.id }, 'send the message',
      undefined, entry.name)
      .then(function (result) {
        outbox.shift();
        saveOutbox();
        flushDelay = 1000;
        var data = result.data || {};
        var node = document.querySelector('#conv-messages [data-pending="' + entry.id + '"]');
        if (node) node.remove();
        if (openCase && openCase.id === entry.caseId && data.message) showMessages([data.message]);
        if (data.to_customer === false) toast('Saved as an internal note: only staff see it.');
      }, function (error) {
        if (error.status === 0 || error.status >= 500 || error.status === 401) {
          // Not there (or not signed in): keep it, and try again when the connection is back.
          markWaiting(error.status === 401 ? 'Waiting for sign-in…' : 'Waiting for connection…');
          flushDelay = Math.min(30000, flushDelay * 2);
          flushTimer = setTimeout(flushOutbox, flushDelay);
          return 'stop';
        }
        // Refused for good (the case changed, the text is not allowed): say so, give the words back.
        outbox.shift();
        saveOutbox();
        var node = document.querySelector('#conv-messages [data-pending="' + entry.id + '"]');
        if (node) node.remove();
        if (openCase && openCase.id === entry.caseId && !$('reply-text').value) $('reply-text').value = entry.text;
        report(error);
      })
      .then(function (stop) {
        flushing = false;
        if (stop !== 'stop' && outbox.length) flushOutbox();
      });
  }

  $('reply-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!openCase) return;
    var text = $('reply-text').value;
    if (!text.trim()) { showError('Write something first.'); return; }
    if (text.length > MAX_REPLY) { showError('Replies are limited to ' + MAX_REPLY + ' characters; please split it.'); return; }
    clearError();
    var entry = { id: newId(), caseId: openCase.id, text: text, name: me };
    outbox.push(entry);
    saveOutbox();
    $('conv-messages').appendChild(pendingItem(entry));
    $('conv-messages').scrollTop = $('conv-messages').scrollHeight;
    $('reply-text').value = '';
    updateReplyCounter();
    $('reply-text').focus();
    flushOutbox();
  });

  // A photo or a PDF for the customer (or a note): uploaded at once, not queued.
  $('attach-file').addEventListener('change', function () {
    var file = this.files && this.files[0];
    this.value = '';
    if (!file || !openCase) return;
    var id = openCase.id;
    var form = new FormData();
    form.append('id', newId());
    form.append('file', file, file.name);
    toast('Sending ' + file.name + '…');
    fetch('/desk/api/cases/' + id + '/attachments', {
      method: 'POST', body: form, credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-Staff-Name': headerSafe(me) }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          showError('Could not send ' + file.name + ': ' + (data.message || data.error || 'HTTP ' + response.status) + '.');
          return;
        }
        if (openCase && openCase.id === id && data.message) showMessages([data.message]);
      });
    }, function () { showError('Could not send ' + file.name + ': the desk server is not reachable.'); });
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
      // Anything that happened while we were away: read it all again; send what waited.
      scheduleRefresh(null);
      flushDelay = 1000;
      flushOutbox();
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
      noticeEvent(data);
      scheduleRefresh(typeof data.case_id === 'number' ? data.case_id : null);
    });
    ws.addEventListener('close', function () {
      if (socket !== ws) return;
      socket = null;
      setLive('offline', 'Reconnecting…');
      markWaiting('Waiting for connection…');
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

  // ------------------------------------------------------------------ history of closed cases
  var historyCases = [];
  var historyNext = null;

  function showView(name) {
    view = name;
    $('tab-open').setAttribute('aria-pressed', String(name === 'open'));
    $('tab-history').setAttribute('aria-pressed', String(name === 'history'));
    $('queue-pane').hidden = name !== 'open';
    $('history-pane').hidden = name !== 'history';
    if (name === 'history') {
      if (!historyCases.length) loadHistory(true).catch(report);
      $('history-q').focus();
    }
  }
  $('tab-open').addEventListener('click', function () { closeConversation(); showView('open'); });
  $('tab-history').addEventListener('click', function () { closeConversation(); showView('history'); });

  function loadHistory(reset) {
    var params = new URLSearchParams();
    var q = $('history-q').value.trim();
    if (q) params.set('q', q);
    if ($('history-from').value) params.set('from', $('history-from').value);
    if ($('history-to').value) params.set('to', $('history-to').value);
    params.set('limit', '50');
    if (!reset && historyNext) params.set('after', historyNext);
    return api('GET', '/desk/api/history?' + params.toString(), undefined, 'search the history').then(function (result) {
      var found = Array.isArray(result.data) ? result.data : [];
      historyCases = reset ? found : historyCases.concat(found);
      historyNext = result.headers.get('X-Next-After');
      var total = Number(result.headers.get('X-Total-Count')) || historyCases.length;
      $('history-summary').textContent = total
        ? total + ' closed case' + (total === 1 ? '' : 's') + (q ? ' matching “' + q + '”' : '') + ', newest first.'
        : 'No closed case' + (q ? ' matches “' + q + '”' : ' yet') + '.';
      var list = $('history-list');
      list.textContent = '';
      historyCases.forEach(function (c) { list.appendChild(caseCard(c)); });
      $('history-more').hidden = !historyNext;
    });
  }
  $('history-form').addEventListener('submit', function (event) {
    event.preventDefault();
    loadHistory(true).catch(report);
  });
  $('history-more-button').addEventListener('click', function () { loadHistory(false).catch(report); });

  // ------------------------------------------------------------------ tab title and sound
  // "(3) New case · Staff desk": new hand-overs and customer messages on your cases that you have not
  // seen yet (the page was in the background, or another case was open).
  var knownWaiting = null;       // ids of waiting cases already noticed
  var newCases = new Set();
  var unread = new Map();        // case id -> messages not seen
  var soundOn = false;
  try { soundOn = localStorage.getItem('llamita-desk:sound') === 'on'; } catch (e) { soundOn = false; }
  var audio = null;

  function watching(id) { return !document.hidden && openCase && openCase.id === id; }

  function noticeArrivals(waiting) {
    var first = knownWaiting === null;
    if (first) knownWaiting = new Set();
    var arrived = false;
    waiting.forEach(function (c) {
      if (knownWaiting.has(c.id)) return;
      knownWaiting.add(c.id);
      if (!first && (document.hidden || !watching(c.id))) { newCases.add(c.id); arrived = true; }
    });
    if (arrived) chime();
  }

  function noticeEvent(data) {
    if (data.type !== 'case' || typeof data.case_id !== 'number') return;
    var c = cases.find(function (x) { return x.id === data.case_id; });
    if (!c || !isMine(c) || watching(c.id)) return;
    unread.set(c.id, (unread.get(c.id) || 0) + 1);
    updateTitle();
    chime();
  }

  function seenCase(id) {
    if (document.hidden) return;
    newCases.delete(id);
    unread.delete(id);
    updateTitle();
  }

  function updateTitle() {
    var count = newCases.size;
    unread.forEach(function (n) { count += n; });
    document.title = (count ? '(' + count + ') ' : '') + (newCases.size ? 'New case · ' : '') + 'Staff desk · Llama Travel';
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) return;
    if (view === 'open' && !narrow()) newCases.clear();
    if (openCase) unread.delete(openCase.id);
    updateTitle();
  });

  function showSound() {
    $('sound').setAttribute('aria-pressed', String(soundOn));
    $('sound').textContent = soundOn ? 'Sound on' : 'Sound off';
  }
  $('sound').addEventListener('click', function () {
    soundOn = !soundOn;
    try { localStorage.setItem('llamita-desk:sound', soundOn ? 'on' : 'off'); } catch (e) { /* ignore */ }
    showSound();
    if (soundOn) chime(true);
  });

  // A short two-note chime, made on the spot (no sound file to load; browsers allow it after a click).
  function chime(force) {
    if (!soundOn && !force) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [660, 880].forEach(function (pitch, n) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        var at = audio.currentTime + n * 0.16;
        tone.frequency.value = pitch;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.15);
        tone.connect(gain).connect(audio.destination);
        tone.start(at);
        tone.stop(at + 0.16);
      });
    } catch (e) { /* no audio here */ }
  }

  window.addEventListener('online', flushOutbox);

  // ------------------------------------------------------------------ start
  function start() {
    showSound();
    $('desk-main').hidden = false;
    loadTeams()
      .then(loadCases)
      .catch(report)
      .then(function () {
        connectLive();
        flushOutbox();
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
