/* The desk's sign-in page. */
(function () {
  'use strict';

  var problem = document.getElementById('login-problem');
  var params = new URLSearchParams(location.search);
  if (params.has('token')) {
    problem.textContent = 'That token is not right. Check it against the link llamita serve printed, or LLAMITA_STAFF_TOKEN.';
    problem.hidden = false;
    // Keep the wrong token out of the address bar and the history.
    history.replaceState(null, '', location.pathname);
  }

  // A browser that withholds the cookie on a navigation from another site (a privacy setting) lands
  // here; if the cookie is in fact valid, go in.
  if (params.has('signed_out')) {
    var note = document.getElementById('login-note');
    note.textContent = 'You are signed out of the desk on this browser.';
    note.hidden = false;
    history.replaceState(null, '', location.pathname);
  }
  var lastTry = 0;
  try { lastTry = Number(sessionStorage.getItem('llamita-desk:retried')) || 0; } catch (e) { /* ignore */ }
  if (!params.has('token') && !params.has('signed_out') && Date.now() - lastTry > 10000) {
    fetch('/desk/api/teams', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) return;
        try { sessionStorage.setItem('llamita-desk:retried', String(Date.now())); } catch (e) { /* ignore */ }
        location.replace('/desk');
      })
      .catch(function () { /* offline: stay on the sign-in page */ });
  }

  document.getElementById('token').focus();
})();
