/*
 * Notes for the people who train Llamita, on the case open in the desk (GET/POST
 * /desk/api/cases/{id}/notes). desk.js announces the open case with a `llamita:case-opened` event.
 * The notes fold into one line beside the case details (a <details>), so the conversation keeps the room;
 * the line counts the notes already written.
 */
(function () {
  'use strict';

  var NAME_KEY = 'llamita-desk:name';
  var box = document.getElementById('training-notes');
  if (!box) return;
  var list = document.getElementById('training-notes-list');
  var form = document.getElementById('training-note-form');
  var text = document.getElementById('training-note-text');
  var status = document.getElementById('training-note-status');
  var count = document.getElementById('training-notes-count');
  var caseId = null;

  function headerSafe(value) { return unescape(encodeURIComponent(value)); }

  function show(notes) {
    list.textContent = '';
    notes.forEach(function (note) {
      var item = document.createElement('li');
      item.textContent = note.by + ' (' + note.channel + '): ' + note.text;
      list.appendChild(item);
    });
    list.hidden = notes.length === 0;
    count.textContent = String(notes.length);
    count.hidden = notes.length === 0;
    count.title = notes.length === 1 ? '1 note written' : notes.length + ' notes written';
  }

  function load() {
    if (caseId === null) return;
    var asked = caseId;
    fetch('/desk/api/cases/' + asked + '/notes', { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (notes) { if (asked === caseId) show(notes); })
      .catch(function () { /* the notes are a side panel: the case still works */ });
  }

  document.addEventListener('llamita:case-opened', function (event) {
    var id = event.detail && event.detail.id;
    box.hidden = typeof id !== 'number';
    if (id !== caseId) {
      // Another case: fold the notes again, and a half-written note does not follow to it.
      caseId = id; status.textContent = ''; text.value = ''; box.open = false; show([]); load();
    }
  });

  box.addEventListener('toggle', function () { if (box.open) text.focus(); });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var words = text.value.trim();
    if (!words || caseId === null) { status.textContent = 'Write what the trainers should know first.'; return; }
    var name = '';
    try { name = localStorage.getItem(NAME_KEY) || ''; } catch (e) { name = ''; }
    fetch('/desk/api/cases/' + caseId + '/notes', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Staff-Name': headerSafe(name) },
      body: JSON.stringify({ text: words })
    }).then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      text.value = '';
      status.textContent = 'Saved for the trainers.';
      load();
    }).catch(function (error) { status.textContent = 'Could not save the note (' + error.message + ').'; });
  });
})();
