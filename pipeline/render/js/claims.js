// @ts-check
/* claims.html: one colour per claim, curved links from seller to buyer, as in flows.js; each
   claim party marked with its verdict from the check against the data, judged by sources of the
   claim's own market only (other markets' figures are context in the tooltips). */
(function () {
  'use strict';
  /**
   * A country named by a claim (pipeline/render/claims.py, page_data): its verdict, what the
   * claim says of it (market, proposition, the words that say so), the figures behind the
   * verdict and those of other markets, shown as context.
   * @typedef {{role: string, name: string, code: string, drawn: boolean, verdict: string,
   *   market: string, proposition: string, words: string, words_en: string | null,
   *   region: string | null, votes: string | null, figures: string[], context: string[],
   *   context_more: number}}
   *   ClaimParty
   */
  /**
   * @typedef {object} Claim
   * @property {string} id
   * @property {string} colour
   * @property {string} statement
   * @property {string | null} quote
   * @property {string | null} platform
   * @property {string | null} markets
   * @property {string | null} seed_file
   * @property {string | null} cited_study
   * @property {string | null} citation
   * @property {ClaimParty[]} parties
   * @property {string} verdict
   * @property {Record<string, number>} counts  parties per verdict
   */
  /**
   * @typedef {object} ClaimsDataOwn
   * @property {{name: string, lon_0: number, sea: string}} proj
   * @property {string} routes  'curved' or 'great-circle'
   * @property {{code: string[], name: string[], pt: number[], as_buyer: string[][],
   *   as_seller: string[][]}} countries
   * @property {Claim[]} claims
   * @property {{order: string[], fill: Record<string, string>, edge: Record<string, string>,
   *   dash: Record<string, string | null>, mark_dash: Record<string, string>,
   *   meaning: Record<string, string>}} verdicts
   * @property {Array<[string, string, number, string]>} marks  [claim, role, country, verdict]
   * @property {Array<[string, number, number, ...number[][]]>} links  [claim, seller, buyer,
   *   route pieces...]
   * @property {Array<[string, string, string]>} link_ends  [seller's, buyer's, the link's verdict]
   * @property {number} links_total
   */
  /** @typedef {MapData & ClaimsDataOwn} ClaimsData */
  var A = window.Atlas, el = A.el;
  /** @type {ClaimsData} */
  var D = A.data();
  var S = D.style, C = D.countries;
  var WIDTH = 2.5, RADIUS = 5, MARK = 3.5, V = D.verdicts;
  var pts = A.points(C.pt);
  /** @type {{claim: string | null}} */
  var state = {claim: null};
  var map = A.createMap(D);
  A.drawCountries(map, D.shapes, function () { return S.land; }, {interactive: false});
  var group = L.layerGroup().addTo(map);
  /** @type {Record<string, Claim>} */
  var claims = {};
  D.claims.forEach(function (c) { claims[c.id] = c; });

  /**
   * "9 supported, 2 contradicted": the claim's parties counted by verdict.
   * @param {Claim} c
   */
  function countsText(c) {
    return V.order.filter(function (v) { return c.counts[v]; })
      .map(function (v) { return c.counts[v] + ' ' + v; }).join(', ') || 'no parties';
  }
  /** @param {Claim} c */
  function verdictText(c) { return c.verdict + ' — ' + countsText(c); }
  /**
   * @param {Claim} c
   * @param {string} role
   * @param {string} code
   */
  function party(c, role, code) {
    return c.parties.filter(function (p) { return p.role === role && p.code === code; })[0];
  }
  /**
   * A party's verdict, what the claim says of it, one row per source with the figures behind
   * the verdict, then the figures of other markets, labelled as context.
   * @param {string} label
   * @param {ClaimParty} p
   * @returns {TipRow[]}
   */
  function partyRows(label, p) {
    /** @type {TipRow[]} */
    var rows = [[label, p.verdict], ['Market of the claim', p.market],
      ['The claim says', p.proposition + ': \u201c' + p.words + '\u201d' +
        (p.words_en ? ' (' + p.words_en + ')' : '')]];
    if (p.region) { rows.push(['Region', p.region]); }
    if (p.votes) { rows.push(['One vote per family of sources', p.votes]); }
    /** @param {string} f */
    function line(f) { return /** @type {TipRow} */ (['', f]); }
    rows = rows.concat(p.figures.map(line));
    if (p.context.length) {
      rows.push(['Context, not a verdict', 'figures of other markets or scopes']);
      rows = rows.concat(p.context.map(line));
      if (p.context_more) { rows.push(['', '\u2026 and ' + p.context_more + ' more']); }
    }
    return rows;
  }

  /**
   * @param {Claim} c
   * @param {number} s
   * @param {number} b
   * @returns {TipRow[]}
   */
  function linkRows(c, s, b) {
    /** @type {TipRow[]} */
    var rows = [['Claim', c.id], ['Seller (worker)', C.name[s] + ' (' + C.code[s] + ')'],
      ['Buyer (employer)', C.name[b] + ' (' + C.code[b] + ')'], ['Statement', c.statement],
      ['Market', c.markets || 'none'], ['Quote', c.quote || 'none'],
      ['Seed file', c.seed_file || 'none'],
      ['Cited study', c.cited_study || 'none'], ['Source', c.citation || ''],
      ['Claim checked against the data', verdictText(c)]];
    return rows
      .concat(partyRows('Seller checked', party(c, 'seller', C.code[s])))
      .concat(partyRows('Buyer checked', party(c, 'buyer', C.code[b])));
  }

  function draw() {
    group.clearLayers();
    var ppu = A.pxPerUnit(map), drawn = 0;
    /** @type {Record<number, boolean>} */
    var used = {};
    D.links.forEach(function (link, li) {
      var c = claims[link[0]], s = link[1], b = link[2], verdict = D.link_ends[li][2];
      if (state.claim && state.claim !== c.id) { return; }
      drawn += 1;
      used[s] = used[b] = true;
      var parts = /** @type {number[][]} */ (link.slice(3)).map(function (ints) {
        return A.points(ints);
      });
      parts.forEach(function (piece, k) {
        var line = D.routes === 'curved' ? A.bezier(piece, 24) : piece, head = null;
        if (k === parts.length - 1) {
          var r = A.arrowAtEnd(line, WIDTH, RADIUS, ppu);
          line = r.line; head = r.head;
        }
        var pl = L.polyline(A.latLngs(line), {color: c.colour, weight: WIDTH, opacity: 0.9,
          lineCap: 'butt', fill: false, bubblingMouseEvents: false,
          // null: no dashes, Leaflet's own default (its types say undefined)
          dashArray: /** @type {string} */ (V.dash[verdict] || null)});
        pl.atlas = {kind: 'link', piece: k, claim: c.id, seller: C.code[s], buyer: C.code[b],
          verdict: verdict};
        A.bindTip(pl, function () { return linkRows(c, s, b); });
        group.addLayer(pl);
        if (head) {
          var hd = L.polygon(A.latLngs(head), {weight: 0, fillColor: c.colour, fillOpacity: 0.9,
            interactive: false});
          hd.atlas = {kind: 'arrow'};
          group.addLayer(hd);
        }
      });
      for (var k = 0; k + 1 < parts.length; k++) {
        [parts[k][parts[k].length - 1], parts[k + 1][0]].forEach(function (pt) {
          var m = L.circleMarker([pt[1], pt[0]], {radius: 4, color: c.colour, weight: 2,
            fillColor: '#fff', fillOpacity: 1});
          m.atlas = {kind: 'edge'};
          A.bindTip(m, function () {
            /** @type {TipRow[]} */
            var route = [['Route', 'across ' + D.proj.sea]];
            return linkRows(c, s, b).concat(route);
          });
          group.addLayer(m);
        });
      }
    });
    C.code.forEach(function (code, ci) {
      if (state.claim && !used[ci]) { return; }
      var m = L.circleMarker([pts[ci][1], pts[ci][0]], {radius: RADIUS, color: '#333', weight: 1,
        fillColor: '#ffffff', fillOpacity: 0.95});
      m.atlas = {kind: 'node', code: code};
      A.bindTip(m, function () {
        /** @type {TipRow[]} */
        var rows = [['Country', C.name[ci] + ' (' + code + ')'],
          ['Buyer in claims', C.as_buyer[ci].join(', ') || 'none'],
          ['Seller in claims', C.as_seller[ci].join(', ') || 'none']];
        return rows;
      });
      group.addLayer(m);
      group.addLayer(A.label([pts[ci][1], pts[ci][0] + 0.1], C.name[ci]));
    });
    drawMarks(ppu);
    entries.forEach(function (e) {
      e.setAttribute('aria-pressed', String(!state.claim || state.claim === e.dataset.claim));
    });
    A.writeHash({claim: state.claim});
    window.atlas.drawn = drawn;
  }

  /**
   * One mark per drawn claim party, in a ring around its country's circle, in the order of
   * the claims: the party's verdict, its claim's colour as the ring.
   * @param {number} ppu
   */
  function drawMarks(ppu) {
    /** @type {Record<number, Array<[string, string, number, string]>>} */
    var ring = {};
    D.marks.forEach(function (mk) {
      if (state.claim && state.claim !== mk[0]) { return; }
      (ring[mk[2]] = ring[mk[2]] || []).push(mk);
    });
    Object.keys(ring).forEach(function (key) {
      var ci = Number(key);
      var list = ring[ci], n = list.length;
      var r = Math.max(RADIUS + MARK + 3, n * (2 * MARK + 2) / (2 * Math.PI)) / ppu;
      list.forEach(function (mk, k) {
        var c = claims[mk[0]], p = party(c, mk[1], C.code[ci]);
        var angle = 2 * Math.PI * k / n;  /* from the right, clear of the label */
        var m = L.circleMarker([pts[ci][1] + r * Math.sin(-angle), pts[ci][0] + r *
          Math.cos(angle)], {radius: MARK, color: V.edge[mk[3]], weight: 1.5,
          fillColor: V.fill[mk[3]], fillOpacity: 1, bubblingMouseEvents: false,
          dashArray: V.mark_dash[mk[3]]});
        m.atlas = {kind: 'verdict', verdict: mk[3], claim: mk[0], role: mk[1], code: C.code[ci]};
        A.bindTip(m, function () {
          /** @type {TipRow[]} */
          var rows = [['Claim', c.id + ': ' + c.statement],
            [mk[1] === 'buyer' ? 'Buyer (employer)' : 'Seller (worker)',
              C.name[ci] + ' (' + C.code[ci] + ')']];
          return rows.concat(partyRows('Checked', p));
        });
        group.addLayer(m);
      });
    });
  }

  var side = /** @type {HTMLElement} */ (document.getElementById('atlas-side'));
  side.appendChild(el('h1', {text: D.title}));
  side.appendChild(el('p', {class: 'muted', text: 'Each line joins a seller (worker) country ' +
    'to a buyer country named in the same claim; the arrow points at the buyer. Click a claim ' +
    'to show it alone. Regions cannot be drawn and are listed here.'}));
  /* The verdict key: marks beside the circles, line dashes for the weaker end of a link. */
  side.appendChild(el('p', {class: 'muted', text: 'Checked against the data: each named ' +
    'country gets a mark beside its circle per claim, judged only by sources of the market ' +
    'the claim is about (a leading country within the number the claim names, a named one ' +
    'at 0.1 % or more of its side); a line is dashed after the weaker of its two ends. Hover ' +
    'a mark or a line for the market and the source behind the verdict; figures of other ' +
    'markets are shown there as context, never as a mark.'}));
  var key = el('div', {class: 'verdict-key'}, V.order.map(function (v) {
    return el('div', {'data-verdict': v, title: V.meaning[v]}, [A.circleSwatch(V.fill[v], MARK, 1),
      ' ', A.lineSwatch('#444', WIDTH, V.dash[v], 30), ' ', el('span', {text: v})]);
  }));
  key.querySelectorAll('circle').forEach(function (circle, i) {
    circle.setAttribute('stroke', V.edge[V.order[i]]);
    circle.setAttribute('stroke-width', '1.5');
    var dash = V.mark_dash[V.order[i]];
    if (dash) { circle.setAttribute('stroke-dasharray', dash); }
  });
  side.appendChild(key);
  var entries = D.claims.map(function (c) {
    /** @param {string} role */
    function names(role) {
      var list = c.parties.filter(function (p) { return p.role === role; }).map(function (p) {
        return p.name + (p.drawn ? ' (' : ' (region, not drawn; ') + p.verdict + ')';
      });
      return list.length ? list.join(', ') : 'none named';
    }
    var children = [A.lineSwatch(c.colour, 4, null, 22), ' ',
      el('b', {text: c.id}), ' ', el('span', {text: c.statement, title: c.quote || ''}),
      el('br'), el('span', {class: 'muted', text: 'Market: ' + (c.markets || 'none') + '. ' +
        'Buyers: ' + names('buyer') + '. Sellers: ' + names('seller') + '.'})];
    children.push(el('br'), el('span', {class: 'verdict', 'data-verdict': c.verdict,
      text: 'Checked against the data: ' + c.id + ': ' + verdictText(c)}));
    var b = el('button', {type: 'button', class: 'claim-entry', 'data-claim': c.id,
      'aria-pressed': 'true', style: 'display:block;text-align:left;width:100%;border:none;' +
        'background:none;font:inherit;padding:3px 0;cursor:pointer',
      on: {click: function () { state.claim = state.claim === c.id ? null : c.id; draw(); }}},
      children);
    side.appendChild(b);
    return b;
  });
  side.appendChild(el('p', {class: 'muted', text: 'Equal Earth projection, curves bowed to the ' +
    'right of travel; a link shorter across ' + D.proj.sea + ' leaves one edge and comes back ' +
    'at the other.'}));
  function snapshot() {
    var legendSvg = D.claims.filter(function (c) { return !state.claim || state.claim === c.id; })
      .slice(0, 8).map(function (c, i) {
        return '<line x1="10" x2="30" y1="' + (14 + 16 * i) + '" y2="' + (14 + 16 * i) +
          '" stroke="' + c.colour + '" stroke-width="4"/><text x="36" y="' + (18 + 16 * i) +
          '" font-family="sans-serif" font-size="11">' + A.xml(c.id + ' (' + c.verdict + '; ' +
          (c.markets || '') + '): ' + String(c.statement).slice(0, 120)) + '</text>';
      }).join('');
    return A.svgSnapshot(map, D.title, legendSvg, 20 + 16 * Math.min(8, D.claims.length));
  }
  function csvRows() {
    return D.links.filter(function (l) { return !state.claim || l[0] === state.claim; })
      .map(function (l) {
        var ends = D.link_ends[D.links.indexOf(l)];
        return [l[0], C.code[l[1]], C.name[l[1]], C.code[l[2]], C.name[l[2]],
          claims[l[0]].statement, claims[l[0]].citation, claims[l[0]].verdict, ends[0], ends[1]];
      });
  }
  side.appendChild(A.downloads({
    svg: function () { A.downloadSvg('atlas-claims.svg', snapshot()); },
    png: function () { A.downloadPng('atlas-claims.png', snapshot(), 2); },
    csv: function () {
      A.downloadCsv('atlas-claims.csv', ['claim_id', 'seller_code', 'seller', 'buyer_code',
        'buyer', 'statement', 'source', 'claim_verdict', 'seller_verdict', 'buyer_verdict'],
        csvRows());
    }
  }));
  window.atlas = {map: map, state: state, csvRows: csvRows};
  map.on('zoomend', draw);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && state.claim) { state.claim = null; draw(); }
  });
  function applyHash() {
    var h = A.readHash();
    state.claim = h.claim && claims[h.claim] ? h.claim : null;
    draw();
  }
  window.addEventListener('hashchange', applyHash);
  applyHash();
  window.atlasReady = performance.now();
})();
