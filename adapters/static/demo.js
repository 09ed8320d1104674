/* The demo page: "Try it as" signs in as a demo customer, as the Llama Travel site's backend would. */
(function () {
  'use strict';

  var KEY = 'llama-travel-demo:persona';
  var select = document.getElementById('persona');
  var status = document.getElementById('persona-status');
  var openButton = document.getElementById('open-chat');
  var suggestions = document.getElementById('suggestions');

  function chat() { return window.LlamitaChat; }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle('error', Boolean(isError));
  }

  function remembered() {
    try { return window.localStorage.getItem(KEY) || ''; } catch (e) { return ''; }
  }
  function remember(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode: fine */ }
  }

  function labelOf(value) {
    var option = select.querySelector('option[value="' + value.replace(/"/g, '') + '"]');
    return option ? option.textContent : value;
  }

  // A real site signs the widget in on every page load (data-identity). This demo signs in from the
  // browser instead, so after a reload the widget starts as an anonymous visitor and, rightly, does
  // not show the signed-in customer's chat to whoever is at the screen now: say so.
  var current = '';
  var before = remembered();
  select.value = '';
  if (before && select.querySelector('option[value="' + before.replace(/"/g, '') + '"]')) {
    remember('');
    say('You were signed in as ' + labelOf(before) + '; after a reload you are an anonymous visitor again. ' +
        'Choose a customer to sign in.');
  }

  select.addEventListener('change', function () {
    var value = select.value;
    if (!chat()) {
      say('The chat widget did not load; reload the page and try again.', true);
      return;
    }
    if (!value) {
      chat().setIdentity(null);
      remember('');
      current = '';
      say('You are an anonymous visitor. A fresh conversation will start.');
      return;
    }
    say('Signing in as ' + labelOf(value) + '…');
    select.disabled = true;
    fetch('/chat/demo-identity/' + encodeURIComponent(value), { headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('the server answered ' + response.status);
        return response.json();
      })
      .then(function (body) {
        if (!body || typeof body.identity !== 'string') throw new Error('no identity in the answer');
        chat().setIdentity(body.identity);
        remember(value);
        current = value;
        say('Signed in as ' + labelOf(value) + '. A fresh conversation will start.');
      })
      .catch(function (error) {
        select.value = current;
        say('Could not sign in as that customer (' + error.message + ').', true);
      })
      .then(function () { select.disabled = false; });
  });

  document.getElementById('try-as').addEventListener('submit', function (event) { event.preventDefault(); });

  openButton.addEventListener('click', function () { if (chat()) chat().open(); });
  suggestions.addEventListener('click', function (event) {
    var button = event.target.closest('button');
    if (button && chat()) chat().open(button.textContent);
  });
})();
