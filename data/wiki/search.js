/* Search of the error wiki: the same query forms and the same ranking as `vpndiag explain`.
 * This is a line-by-line port of src/kb/kb_query.c (kb_query_parse, kb_search_words,
 * kb_find_symbol, kb_nearest_codes) and the lookup order of src/cli/explain.c; a test
 * (tests/wiki/search_agree.js) runs both on the same queries and compares the ordered codes.
 * When you change the weights or the rules in one, change the other.
 * The index (search-index.js) sets VPNDIAG_INDEX = {entries: [...]}, each entry as
 * `vpndiag explain --json` prints it, plus stem and url. Works under node too (no DOM needed). */
var VpndiagSearch = (function () {
  'use strict';

  var QUERY_MAX = 4096;   /* KB_QUERY_MAX, bytes */
  var MAX_TERMS = 16;     /* MAX_TERMS */
  var TERM_LEN = 48;      /* TERM_LEN: a term keeps at most TERM_LEN - 1 characters */
  var MAX_HITS = 10;      /* explain's default --limit */
  /* Field weights of term_score(). */
  var W = { symbol: 6.0, tags: 5.0, title: 4.0, quick: 3.0, cause: 2.0, meaning: 1.5,
            details: 1.0, steps: 1.0, fix: 1.0, faq: 1.0 };
  var STOPWORDS = ['a', 'an', 'and', 'are', 'at', 'be', 'by', 'can', 'cannot', 'could', 'does', 'for',
    'from', 'how', 'i', 'in', 'is', 'it', 'my', 'not', 'of', 'on', 'or', 'the', 'to', 'was', 'what',
    'when', 'why', 'with', 'windows'];

  /* ASCII classes of the C locale: bytes >= 0x80 (here: any non-ASCII character) are none. */
  function cc(s, i) { return i >= 0 && i < s.length ? s.charCodeAt(i) : 0; }
  function isDigit(c) { return c >= 48 && c <= 57; }
  function isAlpha(c) { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122); }
  function isAlnum(c) { return isDigit(c) || isAlpha(c); }
  function isXdigit(c) { return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102); }
  function isSpace(c) { return c === 32 || (c >= 9 && c <= 13); }
  function isSymbolChar(c) { return isAlnum(c) || c === 95 || c === 40 || c === 41; }
  /* tolower() of the C locale: A-Z only, so positions never move. */
  function lower(s) { return s.replace(/[A-Z]+/g, function (m) { return m.toLowerCase(); }); }
  function isAll(s, pred) {
    if (s.length === 0) return false;
    for (var i = 0; i < s.length; i++) if (!pred(s.charCodeAt(i))) return false;
    return true;
  }
  function utf8Length(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { n += 4; i++; }
      else n += 3;
    }
    return n;
  }
  function hasLoneSurrogate(s) {
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        var d = cc(s, i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
        return true;
      }
      if (c >= 0xdc00 && c <= 0xdfff) return true;
    }
    return false;
  }
  function span(s, from, set) {
    var i = from;
    while (i < s.length && set.indexOf(s.charAt(i)) >= 0) i++;
    return i - from;
  }
  function hex8(code) { var h = code.toString(16); while (h.length < 8) h = '0' + h; return h; }
  function isHresult(code) { return code >= 0x80000000; }

  /* parse_number(): {r: 1, codes} when s is a number, {r: 0} when it is not, {r: -1, err} when it
   * looks like one but is invalid. */
  function parseNumber(s) {
    var n = s.length, v;
    if (n >= 2 && s.charAt(0) === '0' && (s.charAt(1) === 'x' || s.charAt(1) === 'X')) {
      var h = s.slice(2);
      if (h.length === 0) return { r: -1, err: "'" + s + "' has no hex digits after 0x" };
      if (!isAll(h, isXdigit)) return { r: -1, err: "'" + s.slice(0, 40) + "' is not a hex number" };
      while (h.length > 1 && h.charAt(0) === '0') h = h.slice(1);
      if (h.length > 8) return { r: -1, err: '0x' + h.slice(0, 20) + ' is larger than 32 bits; Windows error codes are 32-bit' };
      return { r: 1, codes: [parseInt(h, 16)] };
    }
    if (n >= 2 && s.charAt(0) === '-' && isAll(s.slice(1), isDigit)) {
      v = n - 1 > 10 ? Infinity : parseInt(s.slice(1), 10);
      if (v > 0x80000000 || v === 0)
        return { r: -1, err: s.slice(0, 24) + ' is out of range: an event-log HRESULT is between -2147483648 and -1' };
      return { r: 1, codes: [0x100000000 - v] };
    }
    if (isAll(s, isDigit)) {
      v = n > 10 ? Infinity : parseInt(s, 10);
      if (v > 0xffffffff) return { r: -1, err: s.slice(0, 20) + (n > 20 ? '...' : '') + ' is larger than any Windows error code (32 bits)' };
      var codes = [v];
      /* "80092013" as copied from a dialog that dropped the 0x: also try it as hex. */
      if (n === 8) codes.push(parseInt(s, 16));
      return { r: 1, codes: codes };
    }
    if (n === 8 && isAll(s, isXdigit)) return { r: 1, codes: [parseInt(s, 16)] };
    return { r: 0 };
  }

  /* find_embedded_code(): a number after a marker phrase in free text. */
  function findEmbeddedCode(s) {
    var markers = ['returned on failure is', 'error code', 'error', 'code'];
    var ls = lower(s);
    for (var m = 0; m < markers.length; m++) {
      for (var p = ls.indexOf(markers[m]); p >= 0; p = ls.indexOf(markers[m], p + 1)) {
        if (p > 0 && isAlnum(cc(s, p - 1))) continue;
        var t = p + markers[m].length;
        if (isAlnum(cc(s, t))) continue;
        t += span(s, t, ' \t:#=');
        var n = span(s, t, '-0123456789abcdefABCDEFxX');
        while (n > 0 && !isXdigit(cc(s, t + n - 1))) n--;
        if (n === 0 || isAlnum(cc(s, t + n))) continue;
        var r = parseNumber(s.substr(t, n));
        if (r.r === 1) return r.codes;
      }
    }
    return null;
  }

  /* kb_query_parse(): {kind: 'code'|'symbol'|'words', codes, text} or {kind: 'error', err}. */
  function parse(s) {
    if (utf8Length(s) > QUERY_MAX) return { kind: 'error', err: 'query is longer than ' + QUERY_MAX + ' bytes' };
    if (s.indexOf('\0') >= 0 || hasLoneSurrogate(s)) return { kind: 'error', err: 'query is not valid UTF-8 text' };
    var a = 0, b = s.length;
    while (a < b && isSpace(s.charCodeAt(a))) a++;
    while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
    var text = s.slice(a, b);
    if (text.length === 0) return { kind: 'error', err: 'empty query: give an error number, a symbol or words' };
    var num = text;
    if (num.length > 1 && num.charAt(num.length - 1) === '.') num = num.slice(0, -1);
    var r = parseNumber(num);
    if (r.r === 1) return { kind: 'code', codes: r.codes, text: text };
    if (r.r === -1) return { kind: 'error', err: r.err };
    if (isAll(text, isSymbolChar) && text.indexOf('_') >= 0) return { kind: 'symbol', text: text };
    var codes = findEmbeddedCode(text);
    if (codes) return { kind: 'code', codes: codes, text: text };
    return { kind: 'words', text: text };
  }

  /* ---- ranked word search ------------------------------------------------------------------ */

  function termsOf(s) {
    var terms = [], i = 0;
    while (i < s.length && terms.length < MAX_TERMS) {
      while (i < s.length && !isAlnum(s.charCodeAt(i))) i++;
      var w = '';
      while (isAlnum(cc(s, i))) {
        if (w.length + 1 < TERM_LEN) w += s.charAt(i);
        i++;
      }
      w = lower(w);
      if (w.length > 0 && STOPWORDS.indexOf(w) < 0 && terms.indexOf(w) < 0) terms.push(w);
    }
    return terms;
  }

  /* match(): 1 for a whole word, 0.7 for a word that starts with the term (terms of 4+ letters). */
  function match(lt, term) {
    var tn = term.length, best = 0;
    if (lt === null) return 0;
    for (var p = lt.indexOf(term); p >= 0; p = lt.indexOf(term, p + 1)) {
      if (p > 0 && isAlnum(lt.charCodeAt(p - 1))) continue;
      if (!isAlnum(cc(lt, p + tn))) return 1.0;
      if (tn >= 4) best = 0.7;
    }
    return best;
  }
  function matchList(list, term) {
    var best = 0;
    for (var i = 0; i < list.length && best < 1.0; i++) {
      var m = match(list[i], term);
      best = m > best ? m : best;
    }
    return best;
  }

  /* The lower-cased fields of an entry, computed once. */
  function prepared(e) {
    if (e._l) return e._l;
    var l = {
      symbol: lower(e.symbol), tags: e.tags.map(lower), title: lower(e.title), quick: lower(e.quick_answer),
      causes: e.causes.map(function (c) { return lower(c.text); }), meaning: lower(e.meaning),
      details: e.details.map(lower), steps: e.steps.map(lower),
      fixes: e.fixes.map(function (f) { return { text: lower(f.text), command: f.command === null ? null : lower(f.command) }; }),
      faq: e.faq.map(function (f) { return lower(f.question); })
    };
    Object.defineProperty(e, '_l', { value: l, enumerable: false });
    return l;
  }

  function termScore(e, term) {
    var l = prepared(e), s = 0, m, i, c;
    s += W.symbol * match(l.symbol, term);
    s += W.tags * matchList(l.tags, term);
    s += W.title * match(l.title, term);
    s += W.quick * match(l.quick, term);
    m = 0;
    for (i = 0; i < l.causes.length; i++) { c = match(l.causes[i], term); m = c > m ? c : m; }
    s += W.cause * m;
    s += W.meaning * match(l.meaning, term);
    s += W.details * matchList(l.details, term);
    s += W.steps * matchList(l.steps, term);
    m = 0;
    for (i = 0; i < l.fixes.length; i++) {
      c = match(l.fixes[i].text, term);
      if (l.fixes[i].command !== null) { var d = match(l.fixes[i].command, term); c = d > c ? d : c; }
      m = c > m ? c : m;
    }
    s += W.fix * m;
    for (i = 0; i < l.faq.length; i++)
      if (match(l.faq[i], term) > 0) { s += W.faq; break; }
    return s;
  }

  /* kb_search_words(): [{entry, score}], best first, every entry with a positive score. */
  function searchWords(entries, words) {
    var terms = termsOf(words), nt = terms.length, t, i;
    if (nt === 0 || entries.length === 0) return [];
    var idf = [];
    for (t = 0; t < nt; t++) {
      var df = 0;
      for (i = 0; i < entries.length; i++) df += termScore(entries[i], terms[t]) > 0 ? 1 : 0;
      idf.push(Math.log((entries.length + 1) / (df + 1)) + 0.1);
    }
    /* The terms joined by '-' ("nat traversal" -> "nat-traversal") name a tag when they are one. */
    var phrase = terms.join('-');
    var lw = lower(words), hits = [];
    for (i = 0; i < entries.length; i++) {
      var e = entries[i], score = 0, matched = 0;
      for (t = 0; t < nt; t++) {
        var ts = termScore(e, terms[t]);
        matched += ts > 0 ? 1 : 0;
        score += ts * idf[t];
      }
      if (score <= 0) continue;
      score *= matched / nt;
      if (nt > 1 && (prepared(e).title.indexOf(lw) >= 0 || prepared(e).quick.indexOf(lw) >= 0 ||
                     e.tags.indexOf(phrase) >= 0)) score *= 1.5;
      hits.push({ entry: e, score: score });
    }
    /* Scores equal to 1e-9 (relative) are a tie, broken by the code, as in kb_query.c: its log()
       may differ from Math.log in the last bit. */
    hits.sort(function (x, y) {
      if (Math.abs(x.score - y.score) > 1e-9 * Math.max(Math.abs(x.score), Math.abs(y.score)))
        return x.score < y.score ? 1 : -1;
      return x.entry.code - y.entry.code;
    });
    return hits;
  }

  function findCode(entries, code) {
    for (var i = 0; i < entries.length; i++) if (entries[i].code === code) return entries[i];
    return null;
  }

  /* kb_find_symbol(): "ERROR_X", and the inner name of HRESULT_FROM_WIN32(ERROR_X), any case. */
  function findSymbol(entries, symbol) {
    var ls = lower(symbol);
    for (var i = 0; i < entries.length; i++) {
      var s = entries[i].symbol;
      if (lower(s) === ls) return entries[i];
      var open = s.indexOf('(');
      if (open >= 0) {
        var rest = s.slice(open + 1), close = rest.indexOf(')');
        var inner = close >= 0 ? rest.slice(0, close) : rest;
        if (inner.length < 128 && lower(inner) === ls) return entries[i];
      }
    }
    return null;
  }

  /* kb_nearest_codes(): known codes of the same kind nearest to code. */
  function nearestCodes(entries, code, max) {
    var out = [];
    while (out.length < max) {
      var best = null, bestd = 0;
      for (var i = 0; i < entries.length; i++) {
        var e = entries[i];
        if (isHresult(e.code) !== isHresult(code) || out.indexOf(e) >= 0) continue;
        var d = Math.abs(e.code - code);
        if (!best || d < bestd) { best = e; bestd = d; }
      }
      if (!best) break;
      out.push(best);
    }
    return out;
  }

  /* What `vpndiag explain QUERY` answers: {kind, entries, total, query, err, nearest, code}.
   * kind: 'error' (explain exits 2), 'notfound' (exits 1), 'exact' or 'words' (exits 0). */
  function search(index, query, limit) {
    var entries = index.entries, q = parse(query), max = limit || MAX_HITS;
    if (q.kind === 'error') return { kind: 'error', err: q.err, entries: [], total: 0 };
    var found = null, i;
    if (q.kind === 'code') {
      for (i = 0; i < q.codes.length && !found; i++) found = findCode(entries, q.codes[i]);
      if (!found)
        return { kind: 'notfound', query: q.text, code: q.codes[0], entries: [], total: 0,
                 nearest: nearestCodes(entries, q.codes[0], 3) };
    } else if (q.kind === 'symbol') {
      found = findSymbol(entries, q.text);
    }
    if (found) return { kind: 'exact', query: q.text, entries: [found], total: 1 };
    /* Words (or a symbol we do not know: search its parts). */
    var hits = searchWords(entries, q.text);
    if (hits.length === 0) return { kind: 'notfound', query: q.text, entries: [], total: 0, nearest: [] };
    return { kind: 'words', query: q.text, total: hits.length,
             entries: hits.slice(0, max).map(function (h) { return h.entry; }) };
  }

  function codeLabel(code) { return isHresult(code) ? '0x' + hex8(code).toUpperCase() : String(code); }

  return { parse: parse, search: search, searchWords: searchWords, codeLabel: codeLabel };
})();

/* ---- the page: reads ?q=, shows the results (DOM built with textContent, never markup) ------ */
if (typeof document !== 'undefined') (function () {
  'use strict';
  var input = document.getElementById('q');
  var status = document.getElementById('search-status');
  var results = document.getElementById('results');
  if (!input || !status || !results) return;
  var index = typeof VPNDIAG_INDEX !== 'undefined' ? VPNDIAG_INDEX : null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function link(e) {
    var a = el('a');
    a.href = e.url;
    return a;
  }
  function card(e) {
    var li = el('li');
    li.setAttribute('data-code', e.stem);
    var title = el('p', 'r-title'), a = link(e);
    a.appendChild(el('span', 'r-code', 'Error ' + VpndiagSearch.codeLabel(e.code)));
    a.appendChild(document.createTextNode(' ' + e.symbol));
    title.appendChild(a);
    li.appendChild(title);
    li.appendChild(el('p', 'r-sub', e.title));
    li.appendChild(el('p', 'note', e.quick_answer));
    return li;
  }
  function show(query) {
    while (results.firstChild) results.removeChild(results.firstChild);
    if (!index) { status.textContent = 'The search index (search-index.js) did not load.'; return; }
    if (!query || !query.trim()) {
      status.textContent = 'Search ' + index.entries.length + ' Windows VPN errors by number, symbol or words.';
      return;
    }
    var r = VpndiagSearch.search(index, query);
    if (r.kind === 'error') { status.textContent = r.err; return; }
    if (r.kind === 'notfound') {
      if (r.code !== undefined) {
        status.textContent = VpndiagSearch.codeLabel(r.code) + ' is not a known Windows VPN error' +
          (r.nearest.length ? '; the nearest known codes are listed below.' : '.');
        var ol0 = el('ol', 'results');
        r.nearest.forEach(function (e) { ol0.appendChild(card(e)); });
        results.appendChild(ol0);
      } else {
        status.textContent = "Nothing matches '" + r.query + "'. Try fewer or other words, or browse by category.";
      }
      return;
    }
    status.textContent = r.kind === 'exact' ? 'Exact match for ' + r.query + ':' :
      r.total + (r.total === 1 ? ' match' : ' matches') + " for '" + r.query + "', best first" +
      (r.total > r.entries.length ? ' (the best ' + r.entries.length + ' shown)' : '') + ':';
    var ol = el('ol', 'results');
    ol.id = 'result-list';
    r.entries.forEach(function (e) { ol.appendChild(card(e)); });
    results.appendChild(ol);
  }

  var q = '';
  try { q = new URLSearchParams(window.location.search).get('q') || ''; } catch (e) { q = ''; }
  input.value = q;
  show(q);
  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      show(input.value);
      try {
        history.replaceState(null, '', input.value ? '?q=' + encodeURIComponent(input.value) : window.location.pathname);
      } catch (e) { /* file:// may refuse; the results are shown anyway */ }
    }, 120);
  });
})();
