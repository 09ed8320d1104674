/*
 * The desk's stats page: the supervisors' report (GET /desk/api/stats) and its chart, for a period,
 * a team and a language. Everything is put on the page with textContent.
 */
(function () {
  'use strict';

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function showError(text) { $('error-text').textContent = text; $('error').hidden = false; }

  function query() {
    var params = new URLSearchParams();
    var period = $('period').value;
    if (period === 'custom') {
      if ($('since').value) params.set('since', $('since').value);
      if ($('until').value) params.set('until', $('until').value);
    } else {
      params.set('period', period);
    }
    if ($('team').value) params.set('team', $('team').value);
    if ($('language').value.trim()) params.set('language', $('language').value.trim().toLowerCase());
    return params.toString();
  }

  function render(data) {
    $('stats-title').textContent = data.title;
    $('stats-empty').hidden = !data.empty;
    var summary = $('summary');
    summary.textContent = '';
    data.summary.forEach(function (pair) {
      var item = el('div');
      item.appendChild(el('dt', null, pair[0]));
      item.appendChild(el('dd', null, pair[1]));
      summary.appendChild(item);
    });
    var holder = $('sections');
    holder.textContent = '';
    data.sections.slice(1).forEach(function (section) {
      var box = el('section');
      box.appendChild(el('h2', null, section.title));
      var table = el('table');
      section.rows.forEach(function (pair) {
        var row = el('tr');
        row.appendChild(el('th', null, pair[0]));
        row.appendChild(el('td', null, pair[1]));
        table.appendChild(row);
      });
      box.appendChild(table);
      holder.appendChild(box);
    });
    $('chart-figure').hidden = data.empty;
    if (!data.empty) $('chart').src = '/desk/api/stats/chart.png?' + query() + '&at=' + Date.now();
  }

  function load() {
    $('error').hidden = true;
    return fetch('/desk/api/stats?' + query(), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.status === 401) throw new Error('Your desk session has ended: open the desk link again.');
          if (!response.ok) throw new Error('Could not load the stats: ' + (data.error || 'HTTP ' + response.status) + '.');
          return data;
        });
      })
      .then(render)
      .catch(function (error) { showError(error.message || String(error)); });
  }

  $('period').addEventListener('change', function () { $('custom-dates').hidden = $('period').value !== 'custom'; });
  $('filters').addEventListener('submit', function (event) { event.preventDefault(); load(); });

  fetch('/desk/api/teams', { credentials: 'same-origin' })
    .then(function (response) { return response.ok ? response.json() : []; })
    .then(function (teams) {
      teams.forEach(function (team) {
        var option = el('option', null, team.name);
        option.value = team.id;
        $('team').appendChild(option);
      });
    })
    .catch(function () { /* the report still loads for all teams */ })
    .then(load);
})();
