/* claims.html: one colour per claim, curved links from seller to buyer, as in flows.js; each
   claim party marked with its verdict from the check against the data. */
(function () {
  'use strict';
  var A = window.Atlas, el = A.el;
  var D = A.data(), S = D.style, C = D.countries;
  var WIDTH = 2.5, RADIUS = 5, MARK = 3.5, V = D.verdicts;
  var pts = A.points(C.pt);
  var state = {claim: null};
  var map = A.createMap(D);
  A.drawCountries(map, D.shapes, function () { return S.land; }, {interactive: false});
  var group = L.layerGroup().addTo(map);
  var claims = {};
  D.claims.forEach(function (c) { claims[c.id] = c; });

  /* "9 supported, 2 contradicted": the claim's parties counted by verdict. */
  function countsText(c) {
    return V.order.filter(function (v) { return c.counts[v]; })
      .map(function (v) { return c.counts[v] + ' ' + v; }).join(', ') || 'no parties';
  }
  function verdictText(c) { return c.verdict + ' — ' + countsText(c); }
  function party(c, role, code) {
    return c.parties.filter(function (p) { return p.role === role && p.code === code; })[0];
  }
  /* A party's verdict, then one row per source with the figures behind it. */
  function partyRows(label, p) {
    return [[label, p.verdict]].concat(p.figures.map(function (f) { return ['', f]; }));
  }

  function linkRows(c, s, b) {
    return [['Claim', c.id], ['Seller (worker)', C.name[s] + ' (' + C.code[s] + ')'],
      ['Buyer (employer)', C.name[b] + ' (' + C.code[b] + ')'], ['Statement', c.statement],
      ['Quote', c.quote || 'none'], ['Seed file', c.seed_file || 'none'],
      ['Cited study', c.cited_study || 'none'], ['Source', c.citation || ''],
      ['Claim checked against the data', verdictText(c)]]
      .concat(partyRows('Seller checked', party(c, 'seller', C.code[s])))
      .concat(partyRows('Buyer checked', party(c, 'buyer', C.code[b])));
  }

  function draw() {
    group.clearLayers();
    var ppu = A.pxPerUnit(map), drawn = 0, used = {};
    D.links.forEach(function (link, li) {
      var c = claims[link[0]], s = link[1], b = link[2], verdict = D.link_ends[li][2];
      if (state.claim && state.claim !== c.id) { return; }
      drawn += 1;
      used[s] = used[b] = true;
      var parts = link.slice(3).map(function (ints) { return A.points(ints); });
      parts.forEach(function (piece, k) {
        var line = D.routes === 'curved' ? A.bezier(piece, 24) : piece, head = null;
        if (k === parts.length - 1) {
          var r = A.arrowAtEnd(line, WIDTH, RADIUS, ppu);
          line = r.line; head = r.head;
        }
        var pl = L.polyline(A.latLngs(line), {color: c.colour, weight: WIDTH, opacity: 0.9,
          lineCap: 'butt', fill: false, bubblingMouseEvents: false,
          dashArray: V.dash[verdict] || null});
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
            return linkRows(c, s, b).concat([['Route', 'across ' + D.proj.sea]]);
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
        return [['Country', C.name[ci] + ' (' + code + ')'],
          ['Buyer in claims', C.as_buyer[ci].join(', ') || 'none'],
          ['Seller in claims', C.as_seller[ci].join(', ') || 'none']];
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

  /* One mark per drawn claim party, in a ring around its country's circle, in the order of
     the claims: the party's verdict, its claim's colour as the ring. */
  function drawMarks(ppu) {
    var ring = {};
    D.marks.forEach(function (mk) {
      if (state.claim && state.claim !== mk[0]) { return; }
      (ring[mk[2]] = ring[mk[2]] || []).push(mk);
    });
    Object.keys(ring).forEach(function (ci) {
      var list = ring[ci], n = list.length;
      var r = Math.max(RADIUS + MARK + 3, n * (2 * MARK + 2) / (2 * Math.PI)) / ppu;
      list.forEach(function (mk, k) {
        var c = claims[mk[0]], p = party(c, mk[1], C.code[ci]);
        var angle = 2 * Math.PI * k / n;  /* from the right, clear of the label */
        var m = L.circleMarker([pts[ci][1] + r * Math.sin(-angle), pts[ci][0] + r *
          Math.cos(angle)], {radius: MARK, color: V.edge[mk[3]], weight: 1.5,
          fillColor: V.fill[mk[3]], fillOpacity: 1, bubblingMouseEvents: false});
        m.atlas = {kind: 'verdict', verdict: mk[3], claim: mk[0], role: mk[1], code: C.code[ci]};
        A.bindTip(m, function () {
          return [['Claim', c.id + ': ' + c.statement],
            [mk[1] === 'buyer' ? 'Buyer (employer)' : 'Seller (worker)',
              C.name[ci] + ' (' + C.code[ci] + ')']].concat(partyRows('Checked', p));
        });
        group.addLayer(m);
      });
    });
  }

  var side = document.getElementById('atlas-side');
  side.appendChild(el('h1', {text: D.title}));
  side.appendChild(el('p', {class: 'muted', text: 'Each line joins a seller (worker) country ' +
    'to a buyer country named in the same claim; the arrow points at the buyer. Click a claim ' +
    'to show it alone. Regions cannot be drawn and are listed here.'}));
  /* The verdict key: marks beside the circles, line dashes for the weaker end of a link. */
  side.appendChild(el('p', {class: 'muted', text: 'Checked against the data: each named ' +
    'country gets a mark beside its circle per claim; a line is dashed after the weaker of ' +
    'its two ends. Hover a mark or a line for the figures behind the verdict.'}));
  var key = el('div', {class: 'verdict-key'}, V.order.map(function (v) {
    return el('div', {'data-verdict': v}, [A.circleSwatch(V.fill[v], MARK, 1), ' ',
      A.lineSwatch('#444', WIDTH, V.dash[v], 30), ' ', el('span', {text: v})]);
  }));
  key.querySelectorAll('circle').forEach(function (circle, i) {
    circle.setAttribute('stroke', V.edge[V.order[i]]);
    circle.setAttribute('stroke-width', '1.5');
  });
  side.appendChild(key);
  var entries = D.claims.map(function (c) {
    function names(role) {
      var list = c.parties.filter(function (p) { return p.role === role; }).map(function (p) {
        return p.name + (p.drawn ? ' (' : ' (region, not drawn; ') + p.verdict + ')';
      });
      return list.length ? list.join(', ') : 'none named';
    }
    var children = [A.lineSwatch(c.colour, 4, null, 22), ' ',
      el('b', {text: c.id}), ' ', el('span', {text: c.statement, title: c.quote || ''}),
      el('br'), el('span', {class: 'muted', text: 'Buyers: ' + names('buyer') + '. Sellers: ' +
        names('seller') + '.'})];
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
          '" font-family="sans-serif" font-size="11">' + A.xml(c.id + ' (' + c.verdict + '): ' +
          String(c.statement).slice(0, 120)) + '</text>';
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
