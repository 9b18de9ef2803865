/* claims.html: one colour per claim, curved links from seller to buyer, as in flows.js. */
(function () {
  'use strict';
  var A = window.Atlas, el = A.el;
  var D = A.data(), S = D.style, C = D.countries;
  var WIDTH = 2.5, RADIUS = 5;
  var pts = A.points(C.pt);
  var state = {claim: null};
  var map = A.createMap(D);
  A.drawCountries(map, D.shapes, function () { return S.land; }, {interactive: false});
  var group = L.layerGroup().addTo(map);
  var claims = {};
  D.claims.forEach(function (c) { claims[c.id] = c; });

  /* A verdict from checking the claim against the data, when the database has one. */
  function verdictText(c) { return c.verdict === null || c.verdict === undefined ? null : c.verdict; }

  function linkRows(c, s, b) {
    var rows = [['Claim', c.id], ['Seller (worker)', C.name[s] + ' (' + C.code[s] + ')'],
      ['Buyer (employer)', C.name[b] + ' (' + C.code[b] + ')'], ['Statement', c.statement],
      ['Quote', c.quote || 'none'], ['Seed file', c.seed_file || 'none'],
      ['Cited study', c.cited_study || 'none'], ['Source', c.citation || '']];
    if (verdictText(c)) { rows.push(['Checked against the data', verdictText(c)]); }
    return rows;
  }

  function draw() {
    group.clearLayers();
    var ppu = A.pxPerUnit(map), drawn = 0, used = {};
    D.links.forEach(function (link) {
      var c = claims[link[0]], s = link[1], b = link[2];
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
          lineCap: 'butt', fill: false, bubblingMouseEvents: false});
        pl.atlas = {kind: 'link', piece: k, claim: c.id, seller: C.code[s], buyer: C.code[b]};
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
    entries.forEach(function (e) {
      e.setAttribute('aria-pressed', String(!state.claim || state.claim === e.dataset.claim));
    });
    A.writeHash({claim: state.claim});
    window.atlas.drawn = drawn;
  }

  var side = document.getElementById('atlas-side');
  side.appendChild(el('h1', {text: D.title}));
  side.appendChild(el('p', {class: 'muted', text: 'Each line joins a seller (worker) country ' +
    'to a buyer country named in the same claim; the arrow points at the buyer. Click a claim ' +
    'to show it alone. Regions cannot be drawn and are listed here.'}));
  var entries = D.claims.map(function (c) {
    function names(role) {
      var list = c.parties.filter(function (p) { return p.role === role; }).map(function (p) {
        return p.drawn ? p.name : p.name + ' (region, not drawn)';
      });
      return list.length ? list.join(', ') : 'none named';
    }
    var children = [A.lineSwatch(c.colour, 4, null, 22), ' ',
      el('b', {text: c.id}), ' ', el('span', {text: c.statement, title: c.quote || ''}),
      el('br'), el('span', {class: 'muted', text: 'Buyers: ' + names('buyer') + '. Sellers: ' +
        names('seller') + '.'})];
    if (verdictText(c)) {
      children.push(el('br'), el('span', {class: 'verdict', text: 'Checked against the data: ' +
        verdictText(c)}));
    }
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
          '" font-family="sans-serif" font-size="11">' + A.xml(c.id + ': ' +
          String(c.statement).slice(0, 120)) + '</text>';
      }).join('');
    return A.svgSnapshot(map, D.title, legendSvg, 20 + 16 * Math.min(8, D.claims.length));
  }
  function csvRows() {
    return D.links.filter(function (l) { return !state.claim || l[0] === state.claim; })
      .map(function (l) {
        return [l[0], C.code[l[1]], C.name[l[1]], C.code[l[2]], C.name[l[2]],
          claims[l[0]].statement, claims[l[0]].citation];
      });
  }
  side.appendChild(A.downloads({
    svg: function () { A.downloadSvg('atlas-claims.svg', snapshot()); },
    png: function () { A.downloadPng('atlas-claims.png', snapshot(), 2); },
    csv: function () {
      A.downloadCsv('atlas-claims.csv', ['claim_id', 'seller_code', 'seller', 'buyer_code',
        'buyer', 'statement', 'source'], csvRows());
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
