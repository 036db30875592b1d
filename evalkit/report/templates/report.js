// The report's behaviour: a sortable summary table and a paged sample browser.  Rows live in one
// JSON blob and only the current page is ever in the DOM, so 14,000 rows stay fast.
(function () {
  'use strict';
  const byId = (id) => document.getElementById(id);

  // ---- summary table: click a header to sort each section (datasets, groups) by that column ----
  const table = byId('summary-table');
  table.querySelectorAll('th').forEach((th, column) => {
    th.addEventListener('click', () => {
      const ascending = !th.classList.contains('asc');
      table.querySelectorAll('th').forEach((other) => other.classList.remove('asc', 'desc'));
      th.classList.add(ascending ? 'asc' : 'desc');
      const numeric = th.dataset.type === 'number';
      const key = (row) => {
        const cell = row.children[column];
        if (!numeric) return cell.textContent.trim().toLowerCase();
        const value = cell.dataset.value;
        return value === '' ? -Infinity : Number(value);  // missing results sort as lowest
      };
      table.querySelectorAll('tbody').forEach((body) => {
        const rows = Array.from(body.querySelectorAll('tr:not(.section)'));
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
  });

  // ---- sample browser ----
  const data = JSON.parse(byId('samples-data').textContent);
  const F = Object.fromEntries(data.fields.map((name, k) => [name, k]));
  const PAGE_SIZE = 25;
  const ui = {
    dataset: byId('filter-dataset'), model: byId('filter-model'), wrong: byId('filter-wrong'),
    search: byId('filter-search'), list: byId('sample-list'), count: byId('sample-count'),
    pageNumber: byId('page-number'), pageCount: byId('page-count'),
  };
  const haystacks = new Array(data.rows.length);  // lower-cased text of each row, built on first search
  let matches = [];
  let page = 0;

  function haystack(k) {
    if (haystacks[k] === undefined) {
      const r = data.rows[k];
      haystacks[k] = [r[F.prompt], r[F.prediction], r[F.answer] || '', r[F.gold],
        r[F.extra] ? JSON.stringify(r[F.extra]) : ''].join('\n').toLowerCase();
    }
    return haystacks[k];
  }

  function applyFilters() {
    const dataset = ui.dataset.value === '' ? null : Number(ui.dataset.value);
    const model = ui.model.value === '' ? null : Number(ui.model.value);
    const wrongOnly = ui.wrong.checked;
    const query = ui.search.value.trim().toLowerCase();
    matches = [];
    for (let k = 0; k < data.rows.length; k++) {
      const r = data.rows[k];
      if (dataset !== null && r[F.dataset] !== dataset) continue;
      if (model !== null && r[F.model] !== model) continue;
      if (wrongOnly && r[F.correct] !== false) continue;
      if (query && !haystack(k).includes(query)) continue;
      matches.push(r);
    }
    showPage(0);
  }

  function pageCount() { return Math.max(1, Math.ceil(matches.length / PAGE_SIZE)); }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function field(label, value, className) {
    const row = el('div', 'field' + (className ? ' ' + className : ''));
    row.dataset.field = label;
    row.append(el('span', '', label), el('pre', '', value));
    return row;
  }

  function promptBlock(r) {
    const box = el('details', 'prompt');
    box.append(el('summary', '', 'prompt'));
    const shared = data.shared_prompts[r[F.model] + '|' + r[F.dataset]];
    if (shared) {
      const inner = el('details', 'shared');
      inner.append(el('summary', '', 'shared context (' + shared.length + ' characters, the same for every row of this dataset)'),
        el('pre', '', shared));
      box.append(inner);
    }
    box.append(el('pre', 'own', r[F.prompt]));
    return box;
  }

  function card(r) {
    const verdict = r[F.correct];
    const node = el('article', 'sample ' + (verdict === true ? 'ok' : verdict === false ? 'bad' : 'unknown'));
    node.dataset.model = data.models[r[F.model]];
    node.dataset.dataset = data.datasets[r[F.dataset]];
    node.dataset.index = r[F.index];
    node.dataset.correct = verdict === null ? 'unknown' : String(verdict);
    const head = el('header');
    head.append(el('span', 'verdict', verdict === true ? '\u2713 correct' : verdict === false ? '\u2717 wrong' : '\u2013 no verdict'),
      document.createTextNode(' ' + node.dataset.dataset + ' \u00b7 ' + node.dataset.model + ' \u00b7 row ' + r[F.index]));
    node.append(head, field('gold', r[F.gold]));
    if (r[F.answer] !== null && r[F.answer] !== r[F.prediction]) node.append(field('answer', r[F.answer]));
    node.append(field('prediction', r[F.prediction]));
    for (const [key, value] of Object.entries(r[F.extra] || {})) {
      const text = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
      node.append(field(key, text, /judge/i.test(key) ? 'judge' : ''));
    }
    node.append(promptBlock(r));
    return node;
  }

  function showPage(n) {
    page = Math.min(Math.max(0, n), pageCount() - 1);
    const start = page * PAGE_SIZE;
    const fragment = document.createDocumentFragment();
    matches.slice(start, start + PAGE_SIZE).forEach((r) => fragment.append(card(r)));
    ui.list.replaceChildren(fragment);
    ui.pageNumber.value = page + 1;
    ui.pageNumber.max = pageCount();
    ui.pageCount.textContent = pageCount();
    ui.count.textContent = matches.length + ' of ' + data.rows.length + ' rows' +
      (matches.length ? ' (showing ' + (start + 1) + '-' + Math.min(start + PAGE_SIZE, matches.length) + ')' : '');
  }

  let searchTimer = null;
  ui.search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(applyFilters, 150); });
  [ui.dataset, ui.model, ui.wrong].forEach((input) => input.addEventListener('change', applyFilters));
  byId('page-first').addEventListener('click', () => showPage(0));
  byId('page-prev').addEventListener('click', () => showPage(page - 1));
  byId('page-next').addEventListener('click', () => showPage(page + 1));
  byId('page-last').addEventListener('click', () => showPage(pageCount() - 1));
  ui.pageNumber.addEventListener('change', () => showPage(Number(ui.pageNumber.value) - 1));
  document.querySelectorAll('a.browse').forEach((link) => link.addEventListener('click', () => {
    ui.dataset.value = link.dataset.dataset;
    applyFilters();
  }));
  applyFilters();
}());
