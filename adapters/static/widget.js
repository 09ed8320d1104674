/*
 * Llamita web chat widget.
 *
 *   <script src="https://chat.example.com/widget.js" data-identity="<signed token, optional>"></script>
 *
 * The server origin is taken from this script's own src, so the widget works embedded on another
 * site. It draws a floating button and a chat panel inside a Shadow DOM (styled by widget.css from
 * the same origin, so the host page's CSS cannot break it and a strict CSP needs no inline styles).
 * Protocol: docs/webchat-protocol.md. Everything people write is put on the page with textContent
 * (or text nodes), never as HTML.
 *
 * Public API: window.LlamitaChat = { open(text?), close(), setIdentity(token|null) }.
 */
(function () {
  'use strict';

  if (window.LlamitaChat && window.LlamitaChat.version) return; // loaded twice: keep the first

  // ------------------------------------------------------------------ where we come from
  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll('script[src]');
    for (var i = all.length - 1; i >= 0 && !script; i--) {
      if (/\/widget\.js(\?|#|$)/.test(all[i].src)) script = all[i];
    }
  }
  var ORIGIN = new URL(script ? script.src : '/widget.js', location.href).origin;
  var WS_URL = ORIGIN.replace(/^http/, 'ws') + '/chat/ws';
  var STYLESHEET = ORIGIN + '/static/widget.css';

  // ------------------------------------------------------------------ words
  // The widget's own words in the customer's language: the operator's data-language on this script, else
  // the browser's languages, else the page's, else English. The server fills STRINGS from
  // widget-strings.json (the six other languages Llamita answers in) when it serves this file.
  var EN = {
    subtitle: 'Llama Travel’s assistant · replies in seconds',
    close_chat: 'Close chat',
    conversation: 'Conversation',
    greeting_title: 'Hi! I’m Llamita',
    greeting_text: 'Ask me about baggage, bookings, refunds or your trip. If you need a person, just say so and I’ll bring in our team.',
    typing: '{who} is typing…',
    your_message: 'Your message',
    placeholder: 'Type your message…',
    send_message: 'Send message',
    hint: 'Enter to send · Shift+Enter for a new line',
    photo_warning: 'Sending a photo of a payment card? Please cover the card number first: we can’t hide numbers in pictures.',
    send_file: 'Send file',
    cancel: 'Cancel',
    launcher_label_long: 'Chat with Llamita, Llama Travel’s assistant',
    launcher_label: 'Chat with us',
    you: 'You',
    translating: 'Translating…',
    translation_failed: 'Automatic translation failed: shown as written. The translation will follow.',
    machine_translated: 'Machine-translated',
    show_original: 'Show original',
    hide_original: 'Hide original',
    language_question: 'Which language would you like to continue in?',
    not_connected_please: 'Not connected — please try again in a moment.',
    did_this_answer_help: 'Did this answer help?',
    did_this_help: 'Did this help?',
    yes_helped: 'Yes, this helped',
    no_not_helped: 'No, this did not help',
    not_connected: 'Not connected — try again in a moment.',
    thanks_glad: 'Thanks! Glad it helped.',
    thanks_telling: 'Thanks for telling us; we’ll use it to do better.',
    send_rating: 'Send rating',
    no_thanks: 'No thanks',
    pick_first: 'Pick from 1 to 5 first.',
    sent: 'Sent',
    sending: 'Sending…',
    next_in_line: 'You’re next in line',
    number_in_line: 'You’re number {position} in line',
    about_minute: 'about 1 minute',
    about_minutes: 'about {minutes} minutes',
    waiting_for_person: 'Waiting for a person from our team…',
    someone_from_team: 'Someone from our team',
    is_chatting: '{who} is chatting with you',
    resolved: 'Resolved · write any time if you need more help',
    closed: 'This conversation was closed · write any time',
    reconnecting: 'Connecting… your messages will be sent as soon as we’re back.',
    waiting_for_connection: 'Waiting for connection…',
    thanks_rating: 'Thank you for your rating!',
    guest: 'We couldn’t confirm your sign-in, so you’re chatting as a guest.',
    busy: 'The chat is busy; trying again in a moment…',
    not_saved_retrying: 'We couldn’t save your message just now; trying again…',
    empty: 'That message was empty.',
    could_not_save: 'We could not save that.',
    new_conversation: 'Your previous chat has ended, so we’ve started a new conversation.',
    type_first: 'Type a message first.',
    connecting_try_again: 'Connecting… try again in a moment.',
    file_not_sent: 'That file could not be sent.',
    file_offline: 'We couldn’t send the file: you seem to be offline. Try again when you’re back.',
    attach: 'Send a photo or a PDF',
    rating_title: 'How did {who} do? Rate this conversation.',
    rating_title_we: 'How did we do? Rate this conversation.',
    rating_legend: 'Rating from 1 (poor) to 5 (excellent)',
    rating_star_1: '1 star, poor',
    rating_stars: '{n} stars',
    rating_star_5: '5 stars, excellent',
    comment_label: 'Anything to add? (optional)',
    not_sent: 'Not sent — {reason}',
    too_long: 'too long',
    try_again: 'please try again',
    our_team: 'our team',
    away: '{team} is away · back {back}',
    soon: 'soon',
    unread_one: 'Chat with Llamita — 1 new message',
    unread_many: 'Chat with Llamita — {n} new messages',
    too_fast_one: 'You’re sending messages very quickly — we’ll send the next one in 1 second.',
    too_fast_many: 'You’re sending messages very quickly — we’ll send the next one in {n} seconds.',
    over_limit: 'That message is over {n} characters — please split it into parts.',
    limited_to: 'Messages are limited to {n} characters — please shorten it or split it into parts.',
    file_too_large: 'That file is larger than {n} MB.'
  };
  var STRINGS = {}/*LLAMITA_STRINGS*/;
  var LANGUAGE = (function () {
    var wanted = [script && script.getAttribute('data-language')]
      .concat(navigator.languages || [navigator.language], [document.documentElement.lang]);
    for (var i = 0; i < wanted.length; i++) {
      var code = String(wanted[i] || '').slice(0, 2).toLowerCase();
      if (code === 'en' || STRINGS[code]) return code;
    }
    return 'en';
  })();
  function t(key, values) {
    var text = (STRINGS[LANGUAGE] && STRINGS[LANGUAGE][key]) || EN[key] || key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }

  // ------------------------------------------------------------------ persistence
  // Namespaced by server origin, so two Llamita deployments embedded on one site never mix.
  var PREFIX = 'llamita:' + ORIGIN + ':';
  var memory = {};
  var storage = {
    get: function (name, fallback) {
      var raw;
      try { raw = window.localStorage.getItem(PREFIX + name); } catch (e) { raw = memory[name]; }
      if (raw === null || raw === undefined) return fallback;
      try { return JSON.parse(raw); } catch (e) { return fallback; }
    },
    set: function (name, value) {
      var raw = JSON.stringify(value);
      try { window.localStorage.setItem(PREFIX + name, raw); } catch (e) { memory[name] = raw; }
    },
    remove: function (name) {
      try { window.localStorage.removeItem(PREFIX + name); } catch (e) { /* ignore */ }
      delete memory[name];
    }
  };
  var session = {
    get: function (name) { try { return window.sessionStorage.getItem(PREFIX + name); } catch (e) { return null; } },
    set: function (name, value) { try { window.sessionStorage.setItem(PREFIX + name, value); } catch (e) { /* ignore */ } }
  };

  var TRANSCRIPT_LIMIT = 200;
  var state = {
    token: storage.get('token', null),             // resumes the conversation
    conversation: storage.get('conversation', null),
    who: storage.get('who', ''),                    // the signed-in customer id the conversation belongs to
    lastSeq: storage.get('last_seq', 0),            // highest seq received in a `message` frame
    transcript: storage.get('transcript', []),     // what was shown, to draw it again after a reload
    outbox: storage.get('outbox', [])              // [{id, text, at}] sent but not acknowledged yet
  };
  if (typeof state.lastSeq !== 'number' || state.lastSeq < 0) state.lastSeq = 0;
  if (!Array.isArray(state.transcript)) state.transcript = [];
  if (!Array.isArray(state.outbox)) state.outbox = [];

  function saveConversation() {
    storage.set('token', state.token);
    storage.set('conversation', state.conversation);
    storage.set('who', state.who);
    storage.set('last_seq', state.lastSeq);
  }
  function saveTranscript() {
    if (state.transcript.length > TRANSCRIPT_LIMIT) state.transcript = state.transcript.slice(-TRANSCRIPT_LIMIT);
    storage.set('transcript', state.transcript);
  }
  function saveOutbox() { storage.set('outbox', state.outbox); }

  function identityId(token) {
    // Only to notice that a different customer signed in; the server checks the signature.
    if (!token || typeof token !== 'string') return '';
    try {
      var payload = token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
      while (payload.length % 4) payload += '=';
      var claims = JSON.parse(decodeURIComponent(escape(atob(payload))));
      return claims && typeof claims.id === 'string' ? claims.id : '';
    } catch (e) {
      return '';
    }
  }

  var identity = (script && script.getAttribute('data-identity')) || null;
  if ((identity ? identityId(identity) : '') !== state.who && (state.token || state.transcript.length)) {
    // Someone else on this browser (another customer, or an anonymous visitor after a signed-in
    // one): never show them the old chat, not even until the server refuses to resume it.
    forgetConversation();
  }
  if (identity && !state.token) state.who = identityId(identity);

  function forgetConversation() {
    state.token = null;
    state.conversation = null;
    state.who = '';
    state.lastSeq = 0;
    state.transcript = [];
    state.outbox = [];
    storage.remove('language_chosen');
    saveConversation();
    saveTranscript();
    saveOutbox();
    storage.remove('rating');
  }

  function newId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(bytes);
    } else {
      for (var j = 0; j < 16; j++) bytes[j] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  // Text as text nodes; web addresses become links (built with the DOM, never parsed as HTML).
  function fillText(node, text) {
    node.textContent = '';
    var last = 0;
    text.replace(URL_PATTERN, function (match, offset) {
      if (offset > last) node.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el('a', null, match);
      link.href = match;
      link.target = '_blank';
      link.rel = 'noopener noreferrer nofollow';
      node.appendChild(link);
      last = offset + match.length;
      return match;
    });
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
  }

  function clock(at) {
    var date = at ? new Date(at) : new Date();
    if (isNaN(date.getTime())) return '';
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  // ------------------------------------------------------------------ the widget's DOM
  // A custom element name, so the host page's `div { ... }` rules never touch the widget's box.
  var host = el('llamita-chat');
  host.id = 'llamita-chat';
  host.style.display = 'none'; // shown once its stylesheet has loaded (no flash of unstyled chat)
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;

  var link = el('link');
  link.rel = 'stylesheet';
  link.href = STYLESHEET;
  link.addEventListener('load', reveal);
  link.addEventListener('error', reveal);
  function reveal() { host.style.removeProperty('display'); }
  root.appendChild(link);

  var wrap = el('div', 'llamita');
  root.appendChild(wrap);

  var panel = el('section', 'panel');
  panel.id = 'llamita-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-labelledby', 'llamita-title');

  var header = el('header', 'header');
  var avatar = el('span', 'avatar');
  avatar.setAttribute('aria-hidden', 'true');
  var heading = el('div', 'heading');
  var title = el('h2', 'title', 'Llamita');
  title.id = 'llamita-title';
  var subtitle = el('p', 'subtitle', t('subtitle'));
  heading.appendChild(title);
  heading.appendChild(subtitle);
  var closeButton = el('button', 'icon-button close');
  closeButton.type = 'button';
  closeButton.setAttribute('aria-label', t('close_chat'));
  closeButton.appendChild(el('span', 'close-glyph'));
  header.appendChild(avatar);
  header.appendChild(heading);
  header.appendChild(closeButton);

  var banner = el('div', 'banner');
  banner.hidden = true;
  banner.setAttribute('role', 'status');

  var log = el('div', 'log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('aria-relevant', 'additions');
  log.setAttribute('aria-label', t('conversation'));
  log.tabIndex = 0;

  var greeting = el('div', 'greeting');
  greeting.appendChild(el('p', 'greeting-title', t('greeting_title')));
  greeting.appendChild(el('p', 'greeting-text',
    t('greeting_text')));
  log.appendChild(greeting);

  var typing = el('div', 'typing');
  typing.hidden = true;
  var typingDots = el('span', 'dots');
  typingDots.setAttribute('aria-hidden', 'true');
  typingDots.appendChild(el('span'));
  typingDots.appendChild(el('span'));
  typingDots.appendChild(el('span'));
  var typingText = el('span', 'typing-text', t('typing', { who: 'Llamita' }));
  typing.appendChild(typingDots);
  typing.appendChild(typingText);

  var notice = el('p', 'notice');
  notice.hidden = true;
  notice.setAttribute('role', 'alert');

  var form = el('form', 'composer');
  form.noValidate = true;
  var label = el('label', 'visually-hidden', t('your_message'));
  label.htmlFor = 'llamita-input';
  var input = el('textarea', 'input');
  input.id = 'llamita-input';
  input.rows = 1;
  input.placeholder = t('placeholder');
  input.setAttribute('aria-describedby', 'llamita-counter llamita-hint');
  input.setAttribute('autocomplete', 'off');
  var sendButton = el('button', 'send');
  sendButton.type = 'submit';
  sendButton.setAttribute('aria-label', t('send_message'));
  sendButton.appendChild(el('span', 'send-glyph'));
  var footer = el('div', 'composer-footer');
  var hint = el('span', 'hint', t('hint'));
  hint.id = 'llamita-hint';
  var counter = el('span', 'counter');
  counter.id = 'llamita-counter';
  counter.setAttribute('aria-live', 'polite');
  footer.appendChild(hint);
  footer.appendChild(counter);
  var attachButton = el('button', 'icon-button attach');
  attachButton.type = 'button';
  attachButton.setAttribute('aria-label', t('attach'));
  attachButton.appendChild(el('span', 'attach-glyph'));
  var fileInput = el('input');
  fileInput.type = 'file';
  fileInput.className = 'visually-hidden';
  fileInput.tabIndex = -1;
  fileInput.setAttribute('aria-hidden', 'true');
  var attachPanel = el('div', 'attach-panel');
  attachPanel.hidden = true;
  var attachName = el('p', 'attach-name');
  var attachWarning = el('p', 'attach-warning',
    t('photo_warning'));
  var attachSend = el('button', 'attach-send', t('send_file'));
  attachSend.type = 'button';
  var attachCancel = el('button', 'attach-cancel', t('cancel'));
  attachCancel.type = 'button';
  var attachActions = el('div', 'attach-actions');
  attachActions.appendChild(attachCancel);
  attachActions.appendChild(attachSend);
  attachPanel.appendChild(attachName);
  attachPanel.appendChild(attachWarning);
  attachPanel.appendChild(attachActions);
  var row = el('div', 'composer-row');
  row.appendChild(attachButton);
  row.appendChild(fileInput);
  row.appendChild(input);
  row.appendChild(sendButton);
  form.appendChild(attachPanel);
  form.appendChild(label);
  form.appendChild(row);
  form.appendChild(footer);

  // The language choice (issue 11): buttons, shown when the team does not speak the customer's language.
  var languageOffer = el('div', 'language-offer');
  languageOffer.hidden = true;
  languageOffer.setAttribute('role', 'group');

  panel.appendChild(header);
  panel.appendChild(banner);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(languageOffer);
  panel.appendChild(notice);
  panel.appendChild(form);

  var launcher = el('button', 'launcher');
  launcher.type = 'button';
  launcher.setAttribute('aria-controls', 'llamita-panel');
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-label', t('launcher_label_long'));
  var launcherIcon = el('span', 'launcher-icon');
  launcherIcon.setAttribute('aria-hidden', 'true');
  var launcherLabel = el('span', 'launcher-label', t('launcher_label'));
  launcherLabel.setAttribute('aria-hidden', 'true');
  var badge = el('span', 'badge');
  badge.hidden = true;
  launcher.appendChild(launcherIcon);
  launcher.appendChild(launcherLabel);
  launcher.appendChild(badge);

  wrap.appendChild(panel);
  wrap.appendChild(launcher);

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);

  // ------------------------------------------------------------------ messages on screen
  var agentName = 'Llamita';
  var maxChars = 4000;
  var maxComment = 1000;
  var shown = new Map();    // seq -> element
  var pending = new Map();  // client id -> element of the customer's message not yet numbered
  var unread = 0;

  function authorLabel(message) {
    if (message.author === 'customer') return t('you');
    if (message.author === 'bot') return message.name || agentName;
    return message.name || 'Llama Travel';
  }

  function messageElement(message) {
    var kind = message.author === 'customer' ? 'customer' : message.author === 'system' ? 'system' : message.author === 'staff' ? 'staff' : 'bot';
    var node = el('div', 'msg msg-' + kind);
    if (kind === 'system') {
      node.appendChild(el('p', 'system-text', message.text));
      return node;
    }
    var who = el('div', kind === 'customer' ? 'who visually-hidden' : 'who', authorLabel(message));
    var bubble = el('div', 'bubble');
    if (message.attachment) bubble.appendChild(attachmentElement(message.attachment));
    else fillText(bubble, message.text);
    var meta = el('div', 'meta');
    var translated = translationNote(message);
    var time = el('span', 'time', clock(message.at));
    var status = el('span', 'status');
    meta.appendChild(time);
    meta.appendChild(status);
    node.appendChild(who);
    node.appendChild(bubble);
    if (translated) node.appendChild(translated);
    node.appendChild(meta);
    if (kind === 'bot' && message.feedback) node.appendChild(helpfulRow(message));
    return node;
  }

  // A photo (its thumbnail, opening the full picture) or a document (a link). Links are signed and
  // expire: a picture that no longer loads asks the server for fresh links once.
  function attachmentElement(a) {
    var link = el('a', 'attachment');
    link.href = a.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    if (a.kind === 'image' && a.thumb_url) {
      var img = el('img');
      img.alt = 'Photo: ' + a.name;
      if (a.width && a.height) {
        var scale = Math.min(1, 200 / a.width, 150 / a.height);
        img.width = Math.round(a.width * scale);
        img.height = Math.round(a.height * scale);
      }
      img.addEventListener('error', function () { refreshLinks(a.id, link, img); }, { once: true });
      img.src = a.thumb_url;
      link.appendChild(img);
    } else {
      link.appendChild(el('span', 'doc', '📄 ' + a.name));
    }
    return link;
  }

  function refreshLinks(id, link, img) {
    if (!state.token) return;
    fetch(ORIGIN + '/chat/attachments/links', {
      method: 'POST', headers: { 'Authorization': 'Bearer ' + state.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ids: [id] })
    }).then(function (response) { return response.ok ? response.json() : null; }).then(function (data) {
      var fresh = data && data.attachments && data.attachments[id];
      if (!fresh) return;
      link.href = fresh.url;
      if (img && fresh.thumb_url) img.src = fresh.thumb_url;
      state.transcript.forEach(function (m) { if (m.attachment && m.attachment.id === id) m.attachment = fresh; });
      saveTranscript();
    }).catch(function () { /* offline: the picture stays a link */ });
  }

  // ------------------------------------------------------------------ machine translation
  // A staff reply machine-translated for the customer shows the translation; "Show original" reveals what
  // the person wrote (a real button: keyboard reachable, aria-expanded). A translation that failed says so.
  var originalCount = 0;
  function translationNote(message) {
    if (message.author !== 'staff' || !message.translation) return null;
    var box = el('div', 'translation');
    if (message.translation === 'pending') {
      box.appendChild(el('span', 'translation-state', t('translating')));
      return box;
    }
    if (message.translation === 'failed') {
      box.appendChild(el('span', 'translation-state', t('translation_failed')));
      return box;
    }
    if (typeof message.original !== 'string') return null;
    box.appendChild(el('span', 'translation-state', t('machine_translated')));
    var toggle = el('button', 'original-toggle', t('show_original'));
    toggle.type = 'button';
    var original = el('p', 'original');
    original.id = 'llamita-original-' + (++originalCount);
    original.hidden = true;
    original.textContent = message.original;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', original.id);
    toggle.addEventListener('click', function () {
      var open = original.hidden;
      original.hidden = !open;
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      toggle.textContent = open ? t('hide_original') : t('show_original');
      followEnd();
    });
    box.appendChild(toggle);
    box.appendChild(original);
    return box;
  }

  // A message shown before its translation came (or failed) is shown again, revised.
  function reviseMessage(message) {
    var node = shown.get(message.seq);
    if (!node) return;
    var fresh = messageElement(message);
    fresh.setAttribute('data-seq', String(message.seq));
    node.parentNode.replaceChild(fresh, node);
    shown.set(message.seq, fresh);
    for (var k = 0; k < state.transcript.length; k++) {
      if (state.transcript[k].seq === message.seq) {
        state.transcript[k] = transcriptEntry(message);
        saveTranscript();
        break;
      }
    }
  }

  function showLanguageOffer(offer) {
    languageOffer.textContent = '';
    if (!offer || !Array.isArray(offer.options) || !offer.options.length || storage.get('language_chosen', false)) {
      languageOffer.hidden = true;
      return;
    }
    var question = el('p', 'language-question', offer.question || t('language_question'));
    question.id = 'llamita-language-question';
    languageOffer.setAttribute('aria-labelledby', question.id);
    languageOffer.appendChild(question);
    var buttons = el('div', 'language-options');
    offer.options.forEach(function (option) {
      var button = el('button', 'language-option', option.label);
      button.type = 'button';
      button.setAttribute('data-choice', option.value);
      if (option.value === 'translate') button.setAttribute('data-translate', '');
      button.addEventListener('click', function () { chooseLanguage(option.value); });
      buttons.appendChild(button);
    });
    languageOffer.appendChild(buttons);
    languageOffer.hidden = false;
    followEnd();
  }

  function chooseLanguage(choice) {
    if (!send({ type: 'language', choice: choice })) {
      showNotice(t('not_connected_please'), 'warn', 4);
      return;
    }
    languageChosen();
    input.focus();
  }

  function languageChosen() {
    storage.set('language_chosen', true);
    languageOffer.hidden = true;
    languageOffer.textContent = '';
  }

  // ------------------------------------------------------------------ feedback (docs/webchat-protocol.md)
  // "Did this help?" under the answers the server marks with `feedback`: two real buttons, so they are
  // reachable with Tab and pressed with Enter or Space; the choice is kept with the transcript.
  function transcriptEntryOf(seq) {
    for (var k = state.transcript.length - 1; k >= 0; k--) if (state.transcript[k].seq === seq) return state.transcript[k];
    return null;
  }

  // A thumb drawn as an inline SVG in the text colour, not an emoji: without a colour-emoji font (a bare
  // Linux desktop, Debian's Chromium) 👍 and 👎 show as two empty boxes. Down is up, flipped.
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var THUMB = 'M7 10v11H4a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1zm0 0l4-8a3 3 0 0 1 3 3v4h5.2a2 2 0 0 1 2 2.4l-1.5 7.6a2 2 0 0 1-2 1.6H7';
  function thumb(up) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'thumb');
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', THUMB);
    if (!up) path.setAttribute('transform', 'matrix(1 0 0 -1 0 24)');
    svg.appendChild(path);
    return svg;
  }

  function helpfulRow(message) {
    var row = el('div', 'helpful');
    row.setAttribute('role', 'group');
    row.setAttribute('aria-label', t('did_this_answer_help'));
    row.appendChild(el('span', 'helpful-question', t('did_this_help')));
    var yes = el('button', 'helpful-button');
    var no = el('button', 'helpful-button');
    yes.appendChild(thumb(true));
    no.appendChild(thumb(false));
    yes.type = no.type = 'button';
    yes.setAttribute('aria-label', t('yes_helped'));
    no.setAttribute('aria-label', t('no_not_helped'));
    var thanks = el('span', 'helpful-thanks');
    thanks.setAttribute('aria-live', 'polite');
    function show(choice) {
      yes.setAttribute('aria-pressed', choice === true ? 'true' : 'false');
      no.setAttribute('aria-pressed', choice === false ? 'true' : 'false');
    }
    function choose(helpful) {
      if (!send({ type: 'feedback', seq: message.seq, helpful: helpful })) {
        thanks.textContent = t('not_connected');
        return;
      }
      show(helpful);
      var entry = transcriptEntryOf(message.seq);
      if (entry) { entry.helpful = helpful; saveTranscript(); }
      thanks.textContent = '';
    }
    yes.addEventListener('click', function () { choose(true); });
    no.addEventListener('click', function () { choose(false); });
    show(typeof message.helpful === 'boolean' ? message.helpful : null);
    row.appendChild(yes);
    row.appendChild(no);
    row.appendChild(thanks);
    return row;
  }

  function feedbackSaved(frame) {
    var node = shown.get(frame.seq);
    var thanks = node && node.querySelector('.helpful-thanks');
    if (!thanks) return;
    thanks.textContent = frame.helpful ? t('thanks_glad') : t('thanks_telling');
    thanks.scrollIntoView({ block: 'nearest' });   // its own line under the buttons: keep it in sight
  }

  // A 1-5 rating (and an optional comment) after a person resolved the case: radio buttons in a
  // fieldset (arrow keys move between them), a comment box, Send and No thanks.
  var ratingForm = null;
  function askRating(caseId, agent) {
    if (typeof caseId !== 'number') return;
    if (ratingForm && ratingForm.getAttribute('data-case') === String(caseId)) return;
    if (ratingForm) ratingForm.remove();
    storage.set('rating', { case: caseId, agent: agent || null });
    var form = el('form', 'rating');
    ratingForm = form;
    form.noValidate = true;
    form.setAttribute('data-case', String(caseId));
    var heading = el('p', 'rating-title', agent ? t('rating_title', { who: agent }) : t('rating_title_we'));
    heading.id = 'llamita-rating-title';
    form.setAttribute('aria-labelledby', heading.id);
    form.appendChild(heading);
    var scale = el('fieldset', 'rating-scale');
    scale.appendChild(el('legend', 'visually-hidden', t('rating_legend')));
    [1, 2, 3, 4, 5].forEach(function (score) {
      var option = el('label', 'rating-option');
      var radio = el('input');
      radio.type = 'radio';
      radio.name = 'llamita-rating';
      radio.value = String(score);
      radio.setAttribute('aria-label', score === 1 ? t('rating_star_1') : score === 5 ? t('rating_star_5')
        : t('rating_stars', { n: score }));
      option.appendChild(radio);
      option.appendChild(el('span', 'rating-star', '★ ' + score));
      scale.appendChild(option);
    });
    form.appendChild(scale);
    var commentLabel = el('label', 'rating-comment-label', t('comment_label'));
    commentLabel.htmlFor = 'llamita-rating-comment';
    var comment = el('textarea', 'rating-comment');
    comment.id = 'llamita-rating-comment';
    comment.rows = 2;
    comment.maxLength = maxComment;
    form.appendChild(commentLabel);
    form.appendChild(comment);
    var buttons = el('div', 'rating-buttons');
    var submitButton = el('button', 'rating-send', t('send_rating'));
    submitButton.type = 'submit';
    var skip = el('button', 'rating-skip', t('no_thanks'));
    skip.type = 'button';
    var note = el('p', 'rating-note');
    note.setAttribute('aria-live', 'polite');
    buttons.appendChild(submitButton);
    buttons.appendChild(skip);
    form.appendChild(buttons);
    form.appendChild(note);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var picked = form.querySelector('input[name="llamita-rating"]:checked');
      if (!picked) { note.textContent = t('pick_first'); return; }
      var text = comment.value.trim();
      if (!send({ type: 'rating', case: caseId, score: Number(picked.value), comment: text || null })) {
        note.textContent = t('not_connected');
      }
    });
    skip.addEventListener('click', function () {
      send({ type: 'rating', case: caseId, score: null });
      closeRating('');
    });
    log.appendChild(form);
    greeting.hidden = true;
    followEnd();
  }

  function closeRating(thanks) {
    storage.remove('rating');
    if (!ratingForm) return;
    var form = ratingForm;
    ratingForm = null;
    if (thanks) {
      var done = el('p', 'rating-thanks', thanks);
      done.setAttribute('role', 'status');
      form.replaceWith(done);
    } else {
      form.remove();
    }
  }

  // Put a numbered message in its place: before any higher number, else before the unnumbered
  // (still sending) messages of the customer, which always stay at the bottom.
  function place(node, seq) {
    node.setAttribute('data-seq', String(seq));
    var before = null;
    var children = log.children;
    for (var k = 0; k < children.length; k++) {
      var child = children[k];
      if (child === node) continue;
      var childSeq = child.getAttribute('data-seq');
      if (childSeq === null) {
        if (child.hasAttribute('data-pending')) { before = child; break; }
        continue;
      }
      if (Number(childSeq) > seq) { before = child; break; }
    }
    if (node.parentNode === log && node.nextSibling === before) return;
    log.insertBefore(node, before);
  }

  function setDelivery(node, status, text) {
    var label = node.querySelector('.status');
    if (!label) return;
    node.setAttribute('data-status', status);
    label.textContent = text || '';
  }

  function remember(message) {
    for (var k = state.transcript.length - 1; k >= 0; k--) {
      if (state.transcript[k].seq === message.seq) return;
      if (state.transcript[k].seq < message.seq) break;
    }
    state.transcript.push(transcriptEntry(message));
    state.transcript.sort(function (a, b) { return a.seq - b.seq; });
    saveTranscript();
  }

  function transcriptEntry(message) {
    return { seq: message.seq, author: message.author, name: message.name || null, text: message.text,
      at: message.at || new Date().toISOString(), id: message.id || undefined,
      translation: message.translation || undefined, original: message.original,
      attachment: message.attachment || undefined, feedback: message.feedback || undefined,
      helpful: typeof message.helpful === 'boolean' ? message.helpful : undefined };
  }

  function removeFromOutbox(id) {
    var before = state.outbox.length;
    state.outbox = state.outbox.filter(function (item) { return item.id !== id; });
    if (state.outbox.length !== before) saveOutbox();
  }

  // Stay at the bottom while the customer is there (new messages, the typing line, a taller
  // input box); leave them alone when they have scrolled up to read.
  var pinned = true;
  function scrollToEnd() {
    pinned = true;
    log.scrollTop = log.scrollHeight;
  }
  function followEnd() { if (pinned) log.scrollTop = log.scrollHeight; }
  log.addEventListener('scroll', function () {
    pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  });
  if (window.ResizeObserver) new ResizeObserver(followEnd).observe(log);

  function showMessage(message, fromServer) {
    if (typeof message.seq !== 'number') return;
    if (fromServer && message.seq > state.lastSeq) {
      state.lastSeq = message.seq;
      storage.set('last_seq', state.lastSeq);
    }
    if (message.author === 'customer' && message.id) {
      removeFromOutbox(message.id); // its echo: it is stored
      var mine = pending.get(message.id);
      if (mine) {
        pending.delete(message.id);
        mine.removeAttribute('data-pending');
        if (!shown.has(message.seq)) shown.set(message.seq, mine);
        place(mine, message.seq);
        setDelivery(mine, 'sent', t('sent'));
      }
    }
    if (message.revised && shown.has(message.seq)) {
      reviseMessage(message);
      return;
    }
    if (shown.has(message.seq)) {
      // Already on screen (a resend, or placed by its ack): show the text as the server stored it
      // (card numbers are masked there), and remember that version, never the raw one.
      var existing = shown.get(message.seq).querySelector('.bubble');
      if (existing && message.author === 'customer' && existing.textContent !== message.text) {
        fillText(existing, message.text);
      }
      remember(message);
      return;
    }
    var node = messageElement(message);
    if (message.author === 'customer') setDelivery(node, 'sent', t('sent'));
    shown.set(message.seq, node);
    place(node, message.seq);
    remember(message);
    greeting.hidden = true;
    if (fromServer && message.author !== 'customer') {
      hideTyping();
      if (message.author === 'bot' && status.state === 'resolved') setStatus('bot', null);
      if (panel.hidden) { unread++; showBadge(); }
    }
    followEnd();
  }

  function showPending(item) {
    var node = messageElement({ author: 'customer', text: item.text, at: item.at });
    node.setAttribute('data-pending', '');
    node.setAttribute('data-id', item.id);
    setDelivery(node, 'sending', t('sending'));
    pending.set(item.id, node);
    log.appendChild(node);
    greeting.hidden = true;
    scrollToEnd();
    return node;
  }

  function acknowledge(id, seq) {
    removeFromOutbox(id);
    inflight.delete(id);
    flush();
    var node = pending.get(id);
    if (!node) return;
    pending.delete(id);
    node.removeAttribute('data-pending');
    setDelivery(node, 'sent', t('sent'));
    if (typeof seq === 'number') {
      if (shown.has(seq) && shown.get(seq) !== node) {
        node.remove(); // its echo already arrived and is on screen
        return;
      }
      shown.set(seq, node);
      place(node, seq); // remembered when its echo (the stored text) arrives
    }
  }

  function failMessage(id, reason) {
    removeFromOutbox(id);
    inflight.delete(id);
    flush();
    var node = pending.get(id);
    if (!node) return;
    pending.delete(id);
    node.removeAttribute('data-pending');
    setDelivery(node, 'failed', t('not_sent', { reason: reason }));
  }

  function clearLog() {
    shown.clear();
    pending.clear();
    while (log.lastChild && log.lastChild !== greeting) log.removeChild(log.lastChild);
    greeting.hidden = false;
  }

  function drawStored() {
    state.transcript.forEach(function (message) { showMessage(message, false); });
    state.outbox.forEach(function (item) { showPending(item); });
  }

  // ------------------------------------------------------------------ status, typing, notices
  var status = { state: 'bot', agent: null, queue: null };

  // Where a waiting customer stands, from the server's `queue` (docs/webchat-protocol.md).
  // When an away team is back: the server says it in English, in the team's time zone; in another language
  // the browser says it, in the visitor's own time zone ("lunes, 10:00 CET").
  function backWhen(queue) {
    var english = typeof queue.back === 'string' && queue.back ? queue.back : t('soon');
    var at = typeof queue.back_at === 'string' ? new Date(queue.back_at) : null;
    if (LANGUAGE === 'en' || !at || isNaN(at.getTime()) || !window.Intl) return english;
    try {
      return new Intl.DateTimeFormat(LANGUAGE, { weekday: 'long', hour: '2-digit', minute: '2-digit',
        timeZoneName: 'short' }).format(at);
    } catch (e) { return english; }
  }

  function queueText(queue) {
    if (!queue || typeof queue !== 'object') return null;
    var team = typeof queue.team === 'string' && queue.team ? queue.team : t('our_team');
    if (queue.open === false) {
      var away = t('away', { team: team, back: backWhen(queue) });
      return away.charAt(0).toUpperCase() + away.slice(1);   // "our team is away" starts the header
    }
    var position = Number(queue.position);
    var minutes = Number(queue.wait_minutes);
    if (!(position >= 1)) return null;
    var place = position === 1 ? t('next_in_line') : t('number_in_line', { position: position });
    if (minutes >= 1) place += ' · ' + (minutes === 1 ? t('about_minute') : t('about_minutes', { minutes: minutes }));
    return place;
  }

  function setStatus(caseState, agent, queue) {
    var waiting = (caseState || 'bot') === 'waiting';
    // A waiting status without a place keeps the place already shown (it moves with a new one).
    var keep = waiting && queue === undefined && status.state === 'waiting' ? status.queue : null;
    status = { state: caseState || 'bot', agent: agent || null, queue: waiting ? (queue || keep) : null };
    var text;
    if (status.state === 'waiting') text = queueText(status.queue) || t('waiting_for_person');
    else if (status.state === 'claimed') text = t('is_chatting', { who: status.agent || t('someone_from_team') });
    else if (status.state === 'resolved') text = t('resolved');
    else if (status.state === 'abandoned') text = t('closed');
    else text = t('subtitle');
    subtitle.textContent = text;
    title.textContent = status.state === 'claimed' && status.agent ? status.agent + ' · Llama Travel' : agentName;
    panel.setAttribute('data-state', status.state);
    if (status.queue && status.queue.position) panel.setAttribute('data-position', String(status.queue.position));
    else panel.removeAttribute('data-position');
  }

  var typingTimer = null;
  function showTyping(who) {
    // Llamita stays quiet while people have the conversation; older servers still say it types.
    if ((status.state === 'waiting' || status.state === 'claimed') && (!who || who === agentName)) return;
    typingText.textContent = t('typing', { who: who || agentName });
    typing.hidden = false;
    followEnd();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 15000);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    typing.hidden = true;
  }

  var noticeTimer = null;
  function showNotice(text, kind, seconds) {
    notice.textContent = text;
    notice.setAttribute('data-kind', kind || 'info');
    notice.hidden = false;
    clearTimeout(noticeTimer);
    if (seconds) noticeTimer = setTimeout(hideNotice, seconds * 1000);
  }
  function hideNotice() {
    clearTimeout(noticeTimer);
    notice.hidden = true;
  }

  function showBadge() {
    badge.textContent = unread > 9 ? '9+' : String(unread);
    badge.hidden = unread === 0;
    launcher.setAttribute('aria-label', unread
      ? (unread === 1 ? t('unread_one') : t('unread_many', { n: unread }))
      : t('launcher_label_long'));
  }

  var bannerTimer = null;
  function setConnection(online) {
    clearTimeout(bannerTimer);
    if (online) {
      banner.hidden = true;
      panel.removeAttribute('data-offline');
      return;
    }
    panel.setAttribute('data-offline', '');
    // A quick reconnect should not flash a warning.
    bannerTimer = setTimeout(function () {
      banner.textContent = t('reconnecting');
      banner.hidden = false;
    }, 1500);
  }

  // ------------------------------------------------------------------ the connection
  var ws = null;
  var welcomed = false;
  var attempts = 0;
  var reconnectTimer = null;
  var retryTimer = null;
  var pingTimer = null;
  var lastFrameAt = 0;
  var inflight = new Set(); // ids sent on this socket and not yet acknowledged
  var wanted = false;       // the customer opened the chat or has a conversation: stay connected

  function connect() {
    wanted = true;
    if (ws) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    var socket;
    try {
      // Coming back to a chat says so: a network busy opening new chats does not keep its customers out.
      socket = new WebSocket(WS_URL + (state.token ? '?resume=1' : ''));
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    welcomed = false;
    inflight = new Set();
    socket.addEventListener('open', function () {
      if (socket !== ws) return;
      var hello = { type: 'hello', last_seq: state.lastSeq };
      if (state.token) hello.token = state.token;
      if (identity) hello.identity = identity;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener('message', function (event) {
      if (socket !== ws) return;
      lastFrameAt = Date.now();
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === 'object') handle(frame);
    });
    socket.addEventListener('close', function () {
      if (socket !== ws) return;
      ws = null;
      welcomed = false;
      clearInterval(pingTimer);
      setConnection(false);
      markWaiting();
      scheduleReconnect();
    });
  }

  function disconnect() {
    var socket = ws;
    ws = null;
    welcomed = false;
    clearInterval(pingTimer);
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (socket) { try { socket.close(1000); } catch (e) { /* ignore */ } }
  }

  function scheduleReconnect() {
    if (!wanted || reconnectTimer) return;
    var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
    attempts++;
    reconnectTimer = setTimeout(function () { reconnectTimer = null; connect(); }, delay);
  }

  function send(frame) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function markWaiting() {
    pending.forEach(function (node) {
      if (node.getAttribute('data-status') === 'sending') setDelivery(node, 'sending', t('waiting_for_connection'));
    });
  }

  // Send what is not acknowledged yet, oldest first and one at a time (the next one goes when the
  // server has acknowledged the previous), so the conversation keeps its order even through rate
  // limits and reconnects. The server stores a re-sent id only once.
  function flush() {
    clearTimeout(retryTimer);
    if (!welcomed || inflight.size) return;
    var item = state.outbox[0];
    if (!item) return;
    if (send({ type: 'message', id: item.id, text: item.text })) {
      inflight.add(item.id);
      var node = pending.get(item.id);
      if (node) setDelivery(node, 'sending', t('sending'));
    }
  }

  function retryLater(id, seconds) {
    inflight.delete(id);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, Math.max(0.5, Number(seconds) || 2) * 1000);
  }

  function startPings() {
    clearInterval(pingTimer);
    pingTimer = setInterval(function () {
      if (!ws) return;
      if (Date.now() - lastFrameAt > 60000) { ws.close(); return; } // silent for a minute: reconnect
      send({ type: 'ping' });
    }, 25000);
  }

  function handle(frame) {
    switch (frame.type) {
      case 'welcome': return onWelcome(frame);
      case 'message': return showMessage(frame, true);
      case 'ack': return acknowledge(frame.id, frame.seq);
      case 'typing': return showTyping(frame.who);
      case 'status':
        setStatus(frame.state, frame.agent, frame.queue);
        if (frame.rating) askRating(frame.rating.case, frame.agent);
        return undefined;
      case 'language_offer': return showLanguageOffer(frame.offer);
      case 'language': return languageChosen();
      case 'feedback_saved': return feedbackSaved(frame);
      case 'rating_saved': return closeRating(t('thanks_rating'));
      case 'error': return onError(frame);
      default: return undefined; // pong, and frame types from newer servers
    }
  }

  function onWelcome(frame) {
    welcomed = true;
    attempts = 0;
    if (frame.agent_name) agentName = frame.agent_name;
    if (frame.limits && frame.limits.max_chars) maxChars = frame.limits.max_chars;
    if (frame.limits && frame.limits.attachments) {
      fileLimits = frame.limits.attachments;
      fileInput.accept = fileLimits.types.join(',');
    }
    if (frame.limits && frame.limits.max_comment_chars) maxComment = frame.limits.max_comment_chars;
    if (state.conversation && frame.conversation !== state.conversation) {
      // A new conversation (the old one is gone): start the screen afresh, keep unsent words.
      state.lastSeq = 0;
      state.transcript = [];
      saveTranscript();
      clearLog();
      state.outbox.forEach(function (item) { showPending(item); });
    }
    state.conversation = frame.conversation;
    if (frame.token) state.token = frame.token;
    if (!state.who && identity) state.who = identityId(identity);
    saveConversation();
    setStatus(frame.state, frame.agent, frame.queue || null);
    if (frame.language_choice) languageChosen();
    else if (frame.language_offer) showLanguageOffer(frame.language_offer);
    setConnection(true);
    if (frame.identity === 'rejected') {
      var guest = t('guest');
      showNotice(notice.hidden ? guest : notice.textContent + ' ' + guest, 'info', 8);
    }
    updateCounter();
    startPings();
    flush();
    if (frame.rating) askRating(frame.rating.case, frame.agent);
  }

  function onError(frame) {
    var code = frame.code;
    var id = typeof frame.id === 'string' ? frame.id : null;
    // bad_id cannot name the id it refused: it is about the message in flight.
    if (!id && code === 'bad_id' && inflight.size) id = inflight.values().next().value;
    var wait = Math.ceil(Number(frame.retry_after) || 2);
    if (!welcomed && (code === 'rate_limited' || code === 'busy' || code === 'too_many_connections')) {
      // The chat itself was refused for now (too many from this network, or the server is full):
      // the socket closes and the widget reconnects after a pause.
      showNotice(frame.message || t('busy'), 'warn', Math.max(4, wait + 1));
      return;
    }
    if (code === 'rate_limited') {
      if (id) retryLater(id, frame.retry_after);
      showNotice(wait === 1 ? t('too_fast_one') : t('too_fast_many', { n: wait }), 'warn', Math.max(3, wait + 1));
      return;
    }
    if (code === 'not_stored') {
      if (id) retryLater(id, frame.retry_after);
      showNotice(t('not_saved_retrying'), 'warn', 5);
      return;
    }
    if (code === 'too_long') {
      if (id) failMessage(id, t('too_long'));
      showNotice(t('over_limit', { n: maxChars }), 'warn', 8);
      return;
    }
    if (code === 'empty') {
      if (id) failMessage(id, t('empty'));
      showNotice(t('empty'), 'warn', 4);
      return;
    }
    if (code === 'bad_id') {
      if (id) failMessage(id, t('try_again'));
      return;
    }
    if (code === 'bad_rating' || code === 'bad_feedback') {
      if (code === 'bad_rating' && ratingForm) closeRating('');
      showNotice(frame.message || t('could_not_save'), 'warn', 5);
      return;
    }
    if (code === 'session_expired') {
      showNotice(t('new_conversation'), 'info', 8);
      return;
    }
    if (id) failMessage(id, frame.message || t('try_again'));
    if (frame.message) showNotice(frame.message, 'warn', 6);
  }

  // ------------------------------------------------------------------ composing
  var limitNotice = false;
  function updateCounter() {
    var length = input.value.length;
    var over = length > maxChars;
    counter.textContent = length >= maxChars * 0.8 ? length + ' / ' + maxChars : '';
    counter.setAttribute('data-over', over ? 'true' : 'false');
    input.setAttribute('aria-invalid', over ? 'true' : 'false');
    sendButton.disabled = over;
    if (over) {
      showNotice(t('limited_to', { n: maxChars }), 'warn');
      limitNotice = true;
    } else if (limitNotice) {
      limitNotice = false;
      hideNotice();
    }
    // Grow with the text, up to a few lines.
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 140) + 'px';
  }

  var lastTypingSent = 0;
  function typingNudge() {
    var now = Date.now();
    if (welcomed && now - lastTypingSent > 4000 && input.value.trim()) {
      lastTypingSent = now;
      send({ type: 'typing' });
    }
  }

  function submit() {
    var text = input.value;
    if (!text.trim()) {
      showNotice(t('type_first'), 'info', 3);
      return;
    }
    if (text.length > maxChars) {
      updateCounter();
      return;
    }
    var item = { id: newId(), text: text, at: new Date().toISOString() };
    state.outbox.push(item);
    saveOutbox();
    var node = showPending(item);
    if (!welcomed) setDelivery(node, 'sending', t('waiting_for_connection'));
    input.value = '';
    lastTypingSent = 0;
    hideNotice();
    updateCounter();
    if (status.state === 'resolved' || status.state === 'abandoned') setStatus('bot', null);
    connect();
    flush();
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    submit();
    input.focus();
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', function () {
    updateCounter();
    typingNudge();
  });

  // ------------------------------------------------------------------ photos and documents
  // Sent over HTTP with the session token (not on the socket); the stored file comes back on the
  // socket as a message like any other. The server checks the content; this only saves a wasted upload.
  var fileLimits = { max_bytes: 10 * 1024 * 1024, types: ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] };
  fileInput.accept = fileLimits.types.join(',');
  var chosen = null;

  attachButton.addEventListener('click', function () { fileInput.click(); });
  fileInput.addEventListener('change', function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = '';
    if (!file) return;
    if (file.size > fileLimits.max_bytes) {
      showNotice(t('file_too_large', { n: Math.round(fileLimits.max_bytes / 1048576) }), 'warn', 6);
      return;
    }
    chosen = file;
    attachName.textContent = file.name;
    attachWarning.hidden = !/^image\//.test(file.type || '') && !/\.(jpe?g|png|webp|heic)$/i.test(file.name);
    attachPanel.hidden = false;
    attachSend.focus();
  });
  attachCancel.addEventListener('click', function () { chosen = null; attachPanel.hidden = true; input.focus(); });
  attachSend.addEventListener('click', function () {
    var file = chosen;
    if (!file) return;
    if (!state.token) { showNotice(t('connecting_try_again'), 'info', 4); connect(); return; }
    attachSend.disabled = true;
    showNotice('Sending ' + file.name + '…', 'info');
    var body = new FormData();
    body.append('id', newId());
    body.append('file', file, file.name);
    fetch(ORIGIN + '/chat/attachments', { method: 'POST', body: body,
      headers: { 'Authorization': 'Bearer ' + state.token } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) { hideNotice(); return; }
          showNotice(data.message || t('file_not_sent'), 'warn', 10);
        });
      }, function () { showNotice(t('file_offline'), 'warn', 8); })
      .then(function () {
        attachSend.disabled = false;
        chosen = null;
        attachPanel.hidden = true;
      });
  });

  // ------------------------------------------------------------------ opening and closing
  function open(text) {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    wrap.setAttribute('data-open', '');
    session.set('open', '1');
    unread = 0;
    showBadge();
    connect();
    if (typeof text === 'string' && text) {
      input.value = text;
      updateCounter();
    }
    scrollToEnd();
    setTimeout(function () { input.focus(); }, 0);
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    wrap.removeAttribute('data-open');
    session.set('open', '');
    launcher.focus();
  }

  launcher.addEventListener('click', function () { if (panel.hidden) open(); else close(); });
  closeButton.addEventListener('click', close);
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { event.stopPropagation(); close(); }
  });

  window.addEventListener('online', function () { if (wanted && !ws) connect(); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && wanted && !ws) connect();
  });

  function setIdentity(token) {
    if (token && state.token && identityId(token) === state.who) {
      // The same customer, freshly signed (their token was about to expire): keep the conversation;
      // the next hello carries the new token.
      identity = token;
      return;
    }
    identity = token || null;
    disconnect();
    forgetConversation();
    state.who = identityId(identity);
    storage.set('who', state.who);
    clearLog();
    hideTyping();
    hideNotice();
    setStatus('bot', null);
    unread = 0;
    showBadge();
    if (!panel.hidden) connect(); else wanted = false;
  }

  // ------------------------------------------------------------------ start
  setStatus('bot', null);
  drawStored();
  var storedRating = storage.get('rating', null);
  if (storedRating && typeof storedRating.case === 'number') askRating(storedRating.case, storedRating.agent);
  updateCounter();
  if (session.get('open') === '1') open();
  else if (state.token || state.outbox.length) connect(); // resume quietly: new replies show on the badge

  window.LlamitaChat = {
    version: '1',
    open: open,
    close: close,
    setIdentity: setIdentity
  };
})();
