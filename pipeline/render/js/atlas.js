// @ts-check
/* Microwork Atlas: what the map pages share.
 *
 * The pages carry pre-projected coordinates (Equal Earth, map units of 100 km, written as
 * integers of a tenth of a unit) and draw them in Leaflet's CRS.Simple, where a latLng is
 * [y, x]. Text from the data only ever reaches the page through textContent, never innerHTML.
 * Arrowheads follow the same rules as pipeline/render/curves.py (head_size, arrow_at_end,
 * choose_heads), and labels those of pipeline/render/labels.py, so the page and the print
 * version agree.
 *
 * Types (JSDoc, checked by TypeScript in make lint; globals.d.ts declares L and window.Atlas):
 * the typedefs below are shared by the pages' scripts.
 */

/** A point [x, y] in map units. @typedef {[number, number]} XY */

/**
 * The colours and sizes of pipeline/render/style.py (style_for_page).
 * @typedef {object} PageStyle
 * @property {Record<string, string>} direction_colours
 * @property {Record<string, string>} direction_text
 * @property {number} line_opacity
 * @property {{gain: string, loss: string}} change_colours  the change view's gains and losses
 * @property {string} casing  the white casing of each flow and halo of each circle
 * @property {number} casing_opacity
 * @property {number} circle_opacity  the circles' fill
 * @property {string} greyed
 * @property {number} greyed_opacity
 * @property {string} mixed_colour  a flow between sub-regions in more than one direction
 * @property {number} region_zoom  sub-regions are drawn up to this many zoom levels past the
 *   zoom that shows the whole world
 * @property {string} estimated_dash
 * @property {number} min_width
 * @property {number} max_width
 * @property {number} min_radius
 * @property {number} max_radius
 * @property {number} labels
 * @property {number} size_full_px  below a world this wide (px), sizes shrink with it
 * @property {number} min_size_scale
 * @property {number} labels_full_px  below a world this wide (px), fewer labels
 * @property {number} min_labels
 * @property {number} edge_marker  the smallest radius of the markers at the map's edge
 * @property {string[]} width_scales  'linear' (width proportional to the volume), 'sqrt'
 * @property {string} width_scale  the one the page opens on
 * @property {Record<string, number[]>} width_key  per scale, the width key's values, as
 *   fractions of the largest flow
 * @property {number[]} circle_key  the circle key's values, as fractions of the largest total
 * @property {{north: string, south: string, none: string}} group_colours
 * @property {string} ocean
 * @property {string} land
 * @property {string} land_north
 * @property {string} land_south
 * @property {string} land_edge
 * @property {string} outline_edge
 * @property {string} one_sided_hatch
 * @property {string} one_sided_back
 * @property {string} no_data
 * @property {Record<BalanceView, string[]>} balance_classes
 */

/** @typedef {'net' | 'bought' | 'sold'} BalanceView */

/**
 * Country outlines: [country index (-1: not in the data), polygons of delta-encoded rings].
 * @typedef {Array<[number, number[][][]]>} Shapes
 */

/**
 * What every map page's data has (pipeline/render/*.py, page_data).
 * @typedef {object} MapData
 * @property {string} title
 * @property {PageStyle} style
 * @property {number[]} outline  the world's outline, delta-encoded
 * @property {Shapes} shapes
 */

/**
 * A row of a tooltip or a side table: [label, text].
 * @typedef {[string, string]} TipRow
 */

/**
 * Attributes for Atlas.el: `text` (set as textContent), `on` (event listeners), the rest set
 * as attributes (true: present, false/null/undefined: left out).
 * @typedef {{text?: unknown, on?: Record<string, (e: Event) => void>, [name: string]: unknown}}
 *   ElAttrs
 */

/**
 * A map page's country shape, tagged with its country index (-1: not in the page's data).
 * @typedef {L.Polygon & {atlas: AtlasTag & {ci: number}}} CountryLayer
 */

var Atlas = (function () {
  'use strict';
  var Q = 10;
  var Atlas = {};

  /** @returns {any} the page's data (#atlas-data); each page gives it its type */
  Atlas.data = function () {
    var island = /** @type {HTMLElement} */ (document.getElementById('atlas-data'));
    return JSON.parse(/** @type {string} */ (island.textContent));
  };

  /**
   * el('td', {text: 'x', class: 'muted'}, [child, 'more text'])
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {ElAttrs} [attrs]
   * @param {Array<Node | string | null | undefined>} [children]
   * @returns {HTMLElementTagNameMap[K]}
   */
  Atlas.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    var given = attrs || {};
    Object.keys(given).forEach(function (k) {
      var v = given[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === 'text') { node.textContent = String(v); }
      else if (k === 'on') {
        var on = /** @type {Record<string, (e: Event) => void>} */ (v);
        Object.keys(on).forEach(function (e) { node.addEventListener(e, on[e]); });
      }
      else { node.setAttribute(k, v === true ? '' : String(v)); }
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  };

  /**
   * @template {keyof SVGElementTagNameMap} K
   * @param {K} tag
   * @param {Record<string, string | number>} [attrs]
   * @returns {SVGElementTagNameMap[K]}
   */
  Atlas.svgEl = function (tag, attrs) {
    var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    var given = attrs || {};
    Object.keys(given).forEach(function (k) { node.setAttribute(k, String(given[k])); });
    return node;
  };

  /**
   * Delta-encoded ring -> [[x, y], ...] in map units.
   * @param {number[]} ints
   * @returns {XY[]}
   */
  Atlas.decode = function (ints) {
    /** @type {XY[]} */
    var out = [];
    var x = 0, y = 0;
    for (var i = 0; i + 1 < ints.length; i += 2) {
      x += ints[i]; y += ints[i + 1];
      out.push([x / Q, y / Q]);
    }
    return out;
  };

  /**
   * Absolute integers -> [[x, y], ...] in map units.
   * @param {number[]} ints
   * @returns {XY[]}
   */
  Atlas.points = function (ints) {
    /** @type {XY[]} */
    var out = [];
    for (var i = 0; i + 1 < ints.length; i += 2) { out.push([ints[i] / Q, ints[i + 1] / Q]); }
    return out;
  };

  /**
   * @param {XY[]} pts
   * @returns {L.LatLngTuple[]}
   */
  Atlas.latLngs = function (pts) {
    return pts.map(function (p) { return [p[1], p[0]]; });
  };

  /** The projected world's outline, once a map is made. @type {XY[] | undefined} */
  Atlas.outline = undefined;

  /**
   * @param {MapData} data
   * @returns {L.Map}
   */
  Atlas.createMap = function (data) {
    var style = data.style;
    var outline = Atlas.decode(data.outline);
    var map = L.map('atlas-map', {
      crs: L.CRS.Simple,
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      // Arrowheads and circles are sized in pixels and redrawn after each zoom.
      zoomAnimation: false,
      attributionControl: false,
      minZoom: -2,
      maxZoom: 6,
      renderer: L.svg({padding: 0.5})
    });
    var bounds = L.latLngBounds(Atlas.latLngs(outline));
    Atlas.outline = outline;
    L.polygon(Atlas.latLngs(outline), {
      fillColor: style.ocean, fillOpacity: 1, color: style.outline_edge, weight: 1,
      interactive: false
    }).addTo(map);
    Atlas.fitWorld(map);
    map.setMaxBounds(bounds.pad(0.25));
    Atlas.sideToggle();
    // The page fills its sidebar after the map is made; on a phone that moves the map's box.
    // Whenever the box changes size (the sidebar filled or opened, a phone turned), the map
    // lays itself out again and, unless the reader has zoomed or dragged, fits the world again.
    var fitting = false, moved = false, last = '';
    map.on('zoomstart dragstart', function () { if (!fitting) { moved = true; } });
    map.atlasSettle = function () {
      var box = map.getContainer().getBoundingClientRect();
      var size = Math.round(box.width) + 'x' + Math.round(box.height);
      if (size === last) { return; }
      last = size;
      map.invalidateSize({animate: false, pan: false});
      if (!moved) { fitting = true; Atlas.fitWorld(map); fitting = false; }
    };
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(function () { map.atlasSettle(); }).observe(map.getContainer());
    }
    return map;
  };

  /**
   * The whole world in the map's box, with a little room to zoom out.
   * @param {L.Map} map
   */
  Atlas.fitWorld = function (map) {
    map.setMinZoom(-2);
    map.fitBounds(L.latLngBounds(Atlas.latLngs(/** @type {XY[]} */ (Atlas.outline))),
      {padding: [8, 8], animate: false});
    map.setMinZoom(map.getZoom() - 0.5);
  };

  /**
   * Lay the map out for the box it has now (call once the page around it is filled, before
   * the first drawing is final).
   * @param {L.Map} map
   */
  Atlas.settle = function (map) {
    map.atlasSettle();
  };

  /**
   * On a small screen (page.py, NARROW_PX) the legend lies under the map; a button folds it
   * to the title and the colour key, and the map takes the rest of the screen.
   */
  Atlas.sideToggle = function () {
    var side = document.getElementById('atlas-side');
    if (!side || document.getElementById('atlas-side-toggle')) { return; }
    var sideBox = side;
    var button = Atlas.el('button', {type: 'button', id: 'atlas-side-toggle',
      'aria-controls': 'atlas-side', 'aria-expanded': 'true', text: 'Fold the legend ▾',
      on: {click: function () {
        var open = sideBox.classList.toggle('collapsed') === false;
        button.setAttribute('aria-expanded', String(open));
        button.textContent = open ? 'Fold the legend ▾' : 'Legend and choices ▴';
      }}});
    side.insertBefore(button, side.firstChild);
  };

  /** @param {L.Map} map */
  Atlas.pxPerUnit = function (map) { return Math.pow(2, map.getZoom()); };

  /**
   * One Leaflet polygon per country outline; fill(ci) gives its fill colour.
   * @param {L.Map} map
   * @param {Shapes} shapes
   * @param {(ci: number) => string} fill
   * @param {L.PolylineOptions} [options]
   * @returns {CountryLayer[]}
   */
  Atlas.drawCountries = function (map, shapes, fill, options) {
    /** @type {CountryLayer[]} */
    var layers = [];
    shapes.forEach(function (entry) {
      var ci = entry[0];
      var polys = entry[1].map(function (poly) {
        return poly.map(function (ring) { return Atlas.latLngs(Atlas.decode(ring)); });
      });
      var layer = /** @type {CountryLayer} */ (L.polygon(polys, L.extend({
        fillColor: fill(ci), fillOpacity: 1, color: '#ffffff', weight: 0.6,
        interactive: ci >= 0, bubblingMouseEvents: false
      }, options || {})));
      layer.atlas = {kind: 'country', ci: ci};
      layer.addTo(map);
      layers.push(layer);
    });
    return layers;
  };

  /**
   * A hatch pattern (one side only, in the balance map) inside the map's own SVG, so that
   * exported SVG and PNG carry it too.
   * @param {L.Map} map
   * @param {string} id
   * @param {string} colour
   * @param {string} back
   */
  Atlas.addHatch = function (map, id, colour, back) {
    var pane = /** @type {HTMLElement} */ (map.getPane('overlayPane'));
    var svg = /** @type {SVGSVGElement} */ (pane.querySelector('svg'));
    var defs = Atlas.svgEl('defs', {});
    var pattern = Atlas.svgEl('pattern', {
      id: id, width: 6, height: 6, patternUnits: 'userSpaceOnUse',
      patternTransform: 'rotate(45)'
    });
    pattern.appendChild(Atlas.svgEl('rect', {width: 6, height: 6, fill: back}));
    pattern.appendChild(Atlas.svgEl('line', {x1: 0, y1: 0, x2: 0, y2: 6, stroke: colour,
      'stroke-width': 2.2}));
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  };

  /**
   * A quadratic Bézier curve through its three control points, as n points.
   * @param {XY[]} c
   * @param {number} n
   * @returns {XY[]}
   */
  Atlas.bezier = function (c, n) {
    /** @type {XY[]} */
    var out = [];
    for (var i = 0; i < n; i++) {
      var t = i / (n - 1), u = 1 - t;
      out.push([u * u * c[0][0] + 2 * u * t * c[1][0] + t * t * c[2][0],
                u * u * c[0][1] + 2 * u * t * c[1][1] + t * t * c[2][1]]);
    }
    return out;
  };

  /**
   * The estimated-flow dash pattern for a line `width` px wide (same rule as print_maps).
   * @param {number} width
   * @param {string} base
   */
  Atlas.dashFor = function (width, base) {
    var d = base.split(' ').map(Number);
    var k = Math.max(1, width / 3);
    return Math.round(d[0] * k) + ' ' + Math.round(d[1] * k);
  };

  /**
   * @param {number} widthPx
   * @returns {XY} the head's length and width in pixels
   */
  Atlas.headSize = function (widthPx) {
    var width = 1.6 * widthPx + 6;
    return [1.1 * width, width];
  };

  /**
   * @param {XY[]} pts
   * @param {number} cut
   * @returns {{pts: XY[], dir: XY}}
   */
  Atlas.trimEnd = function (pts, cut) {
    var remaining = cut;
    for (var i = pts.length - 2; i >= 0; i--) {
      var dx = pts[i + 1][0] - pts[i][0], dy = pts[i + 1][1] - pts[i][1];
      var seg = Math.sqrt(dx * dx + dy * dy);
      if (seg >= remaining && seg > 0) {
        var f = remaining / seg;
        /** @type {XY} */
        var end = [pts[i + 1][0] - dx * f, pts[i + 1][1] - dy * f];
        return {pts: pts.slice(0, i + 1).concat([end]), dir: [dx / seg, dy / seg]};
      }
      remaining -= seg;
    }
    var ddx = pts[pts.length - 1][0] - pts[0][0], ddy = pts[pts.length - 1][1] - pts[0][1];
    var len = Math.sqrt(ddx * ddx + ddy * ddy) || 1;
    return {pts: [pts[0]], dir: [ddx / len, ddy / len]};
  };

  /** @param {XY[]} pts */
  Atlas.length = function (pts) {
    var total = 0;
    for (var i = 1; i < pts.length; i++) {
      total += Math.sqrt(Math.pow(pts[i][0] - pts[i - 1][0], 2) +
                         Math.pow(pts[i][1] - pts[i - 1][1], 2));
    }
    return total;
  };

  /**
   * The line shortened by `cut` (map units) at its start, so a flow leaves from the edge of
   * its seller's circle rather than its centre (at most 30 % of the line).
   * @param {XY[]} pts
   * @param {number} cut
   * @returns {XY[]}
   */
  Atlas.trimStart = function (pts, cut) {
    var c = Math.min(cut, 0.3 * Atlas.length(pts));
    return Atlas.trimEnd(pts.slice().reverse(), c).pts.reverse();
  };

  /**
   * @param {number} widthPx
   * @returns {XY} a tapered end's length and width in pixels: as wide as the line
   */
  Atlas.taperSize = function (widthPx) {
    return [1.5 * widthPx + 4, widthPx];
  };

  /**
   * The last piece of a flow, ending where its arrowhead starts; the head's tip touches the
   * buyer's circle. With `taper`, the end is a point as wide as the line instead of a head
   * wider than it. Sizes in pixels, coordinates in map units.
   * @param {XY[]} pts
   * @param {number} widthPx
   * @param {number} radiusPx
   * @param {number} ppu
   * @param {boolean} [taper]
   * @returns {{line: XY[], head: XY[]}}
   */
  Atlas.arrowAtEnd = function (pts, widthPx, radiusPx, ppu, taper) {
    var length = Atlas.length(pts);
    var size = taper ? Atlas.taperSize(widthPx) : Atlas.headSize(widthPx);
    var headLen = Math.min(size[0] / ppu, 0.45 * length);
    var headW = size[1] / ppu;
    var gap = Math.min((radiusPx + 1) / ppu, 0.3 * length);
    var toTip = Atlas.trimEnd(pts, gap);
    var tip = toTip.pts[toTip.pts.length - 1], d = toTip.dir;
    var base = [tip[0] - d[0] * headLen, tip[1] - d[1] * headLen];
    var n = [-d[1], d[0]];
    /** @type {XY[]} */
    var head = [tip, [base[0] + n[0] * headW / 2, base[1] + n[1] * headW / 2],
                [base[0] - n[0] * headW / 2, base[1] - n[1] * headW / 2]];
    return {line: Atlas.trimEnd(toTip.pts, headLen * 0.7).pts, head: head};
  };

  /**
   * Whether two triangles come closer than `margin` (separating axes).
   * @param {XY[]} a
   * @param {XY[]} b
   * @param {number} margin
   */
  Atlas.trianglesMeet = function (a, b, margin) {
    var polys = [a, b];
    for (var p = 0; p < 2; p++) {
      var poly = polys[p];
      for (var i = 0; i < poly.length; i++) {
        var q = poly[(i + 1) % poly.length];
        var ax = -(q[1] - poly[i][1]), ay = q[0] - poly[i][0];
        var len = Math.sqrt(ax * ax + ay * ay);
        if (!(len > 0)) { continue; }
        ax /= len; ay /= len;
        var pa = a.map(function (v) { return v[0] * ax + v[1] * ay; });
        var pb = b.map(function (v) { return v[0] * ax + v[1] * ay; });
        if (Math.max.apply(null, pa) + margin <= Math.min.apply(null, pb) ||
            Math.max.apply(null, pb) + margin <= Math.min.apply(null, pa)) { return false; }
      }
    }
    return true;
  };

  /**
   * Which arrowheads to draw, given in order of priority (largest flow first): each one that
   * keeps `margin` clear of every head already kept (curves.py, choose_heads). The others end
   * in a point as wide as their line, so no hub is a heap of heads.
   * @param {XY[][]} heads
   * @param {number} margin
   * @returns {boolean[]}
   */
  Atlas.chooseHeads = function (heads, margin) {
    /** @type {XY[][]} */
    var kept = [];
    return heads.map(function (h) {
      var free = !kept.some(function (k) { return Atlas.trianglesMeet(h, k, margin); });
      if (free) { kept.push(h); }
      return free;
    });
  };

  /**
   * Round numbers for legends, at or below max.
   * @param {number} value
   */
  Atlas.niceBelow = function (value) {
    if (!(value > 0)) { return 0; }
    var exp = Math.floor(Math.log10(value)), base = Math.pow(10, exp);
    var steps = [9, 8, 7, 6, 5, 4, 3, 2.5, 2, 1.5, 1];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * base <= value * (1 + 1e-9)) { return steps[i] * base; }
    }
    return base;
  };

  /** @param {number | null | undefined} v */
  Atlas.number = function (v) {
    if (v === null || v === undefined) { return 'n/a'; }
    if (Math.abs(v - Math.round(v)) < 1e-9 && Math.abs(v) >= 1) {
      return Math.round(v).toLocaleString('en-US');
    }
    if (Math.abs(v) >= 100) { return Math.round(v).toLocaleString('en-US'); }
    if (Math.abs(v) >= 1) { return v.toFixed(1); }
    return Number(v.toPrecision(3)).toString();
  };

  /** @param {string} unit */
  Atlas.unitText = function (unit) {
    /** @type {Record<string, string>} */
    var units = {projects: 'projects', pct_of_total: "% of the source's total",
      pct: '% (share)', usd: 'US dollars'};
    return units[unit] || String(unit);
  };

  /**
   * @param {number | null | undefined} v
   * @param {string} unit
   */
  Atlas.amount = function (v, unit) {
    if (v === null || v === undefined) { return 'not published'; }
    return Atlas.number(v) + ' ' + Atlas.unitText(unit);
  };

  /* ---- tooltip ---- */
  /** @type {HTMLElement | null} */
  var tipBox = null;
  /** The tooltip box (#atlas-tip), looked up once. */
  function tip() {
    tipBox = tipBox || /** @type {HTMLElement} */ (document.getElementById('atlas-tip'));
    return tipBox;
  }
  /**
   * @param {L.LeafletMouseEvent | MouseEvent} event
   * @param {TipRow[]} rows
   */
  Atlas.showTip = function (event, rows) {
    var box = tip();
    var table = Atlas.el('table', {}, rows.map(function (r) {
      return Atlas.el('tr', {}, [Atlas.el('th', {text: r[0]}), Atlas.el('td', {text: r[1]})]);
    }));
    box.replaceChildren(table);
    box.hidden = false;
    Atlas.moveTip(event);
  };
  /** @param {L.LeafletMouseEvent | MouseEvent} event */
  Atlas.moveTip = function (event) {
    if (!tipBox || tipBox.hidden) { return; }
    var e = /** @type {MouseEvent} */ (/** @type {L.LeafletMouseEvent} */ (event).originalEvent ||
      event);
    var x = e.clientX + 14, y = e.clientY + 14;
    var w = tipBox.offsetWidth, h = tipBox.offsetHeight;
    if (x + w > window.innerWidth - 4) { x = Math.max(4, e.clientX - w - 14); }
    if (y + h > window.innerHeight - 4) { y = Math.max(4, e.clientY - h - 14); }
    tipBox.style.left = x + 'px';
    tipBox.style.top = y + 'px';
  };
  Atlas.hideTip = function () {
    tip().hidden = true;
  };
  /**
   * @param {L.Layer} layer
   * @param {() => TipRow[]} rowsFn
   */
  Atlas.bindTip = function (layer, rowsFn) {
    layer.on('mouseover', function (e) {
      Atlas.showTip(/** @type {L.LeafletMouseEvent} */ (e), rowsFn());
    });
    layer.on('mousemove', /** @type {L.LeafletEventHandlerFn} */ (Atlas.moveTip));
    layer.on('mouseout', Atlas.hideTip);
  };

  /* ---- the view in the URL ---- */
  /** @returns {Record<string, string>} */
  Atlas.readHash = function () {
    /** @type {Record<string, string>} */
    var out = {};
    new URLSearchParams(window.location.hash.replace(/^#/, '')).forEach(function (v, k) {
      out[k] = v;
    });
    return out;
  };
  /** @param {Record<string, string | number | null | undefined>} state */
  Atlas.writeHash = function (state) {
    var params = new URLSearchParams();
    Object.keys(state).forEach(function (k) {
      if (state[k] !== null && state[k] !== undefined && state[k] !== '') {
        params.set(k, String(state[k]));
      }
    });
    var hash = '#' + params.toString();
    if (hash === window.location.hash) { return; }
    try {
      history.replaceState(null, '', hash);
    } catch (err) {
      // A page shown in a notebook cell (a sandboxed srcdoc frame) may not change its
      // address: the view is then simply not kept in it.
    }
  };

  /* ---- exports: SVG, PNG and CSV of what is drawn, all made in the page ---- */
  /** @param {unknown} s */
  Atlas.xml = function (s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  };

  /* The fonts every exported SVG declares (text stays <text>, editable in Inkscape or
     Illustrator); DejaVu Sans first, as in the print versions. */
  Atlas.FONT = "'DejaVu Sans', Verdana, Arial, Helvetica, sans-serif";

  /**
   * Text cut into lines of at most `max` characters at spaces (a longer word stays whole), so
   * a citation is printed in full, never cut mid-DOI.
   * @param {string} text
   * @param {number} max
   * @returns {string[]}
   */
  Atlas.wrap = function (text, max) {
    /** @type {string[]} */
    var lines = [];
    var line = '';
    String(text).split(/\s+/).filter(Boolean).forEach(function (word) {
      if (line && line.length + 1 + word.length > max) { lines.push(line); line = word; }
      else { line = line ? line + ' ' + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  };

  /**
   * One SVG <text>, its content escaped.
   * @param {number} x
   * @param {number} y
   * @param {string} text
   * @param {Record<string, string | number>} [attrs]
   */
  Atlas.svgText = function (x, y, text, attrs) {
    var a = Object.assign({'font-size': 11, fill: '#222'}, attrs || {});
    return '<text x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '"' +
      Object.keys(a).map(function (k) { return ' ' + k + '="' + Atlas.xml(a[k]) + '"'; }).join('') +
      '>' + Atlas.xml(text) + '</text>';
  };

  /**
   * A legend drawn under an exported map, `width` pixels wide: text wraps to the width, keys
   * flow left to right; done() gives the SVG and its height.
   * @param {number} width
   */
  Atlas.legendWriter = function (width) {
    var pad = 12;
    /** @type {string[]} */
    var out = [];
    var y = 8;
    var writer = {
      width: width,
      /** @param {number} amount */
      gap: function (amount) { y += amount; },
      /**
       * @param {string} text
       * @param {{size?: number, bold?: boolean, colour?: string}} [opts]
       */
      text: function (text, opts) {
        var o = opts || {}, size = o.size || 11;
        var attrs = {'font-size': size, fill: o.colour || '#222', 'font-weight': o.bold ? 'bold' :
          'normal'};
        // about 0.58 em per character of DejaVu Sans
        Atlas.wrap(text, Math.max(20, Math.floor((width - 2 * pad) / (0.58 * size))))
          .forEach(function (line) {
            y += size * 1.3;
            out.push(Atlas.svgText(pad, y - size * 0.3, line, attrs));
          });
        y += 3;
      },
      /**
       * Keys side by side, wrapping to the next row: each a swatch `w` x `h` pixels (an SVG
       * fragment drawn in a box at 0,0) and its label.
       * @param {Array<{swatch: string, w: number, h: number, label: string}>} items
       */
      row: function (items) {
        // cut into rows that fit the width, then centre each key on its row's middle line
        /** @type {Array<Array<{swatch: string, w: number, h: number, label: string}>>} */
        var rows = [[]];
        var x = pad;
        items.forEach(function (it) {
          var itemW = it.w + 6 + 6.4 * it.label.length + 16;
          if (x > pad && x + itemW > width - pad) { rows.push([]); x = pad; }
          rows[rows.length - 1].push(it);
          x += itemW;
        });
        rows.forEach(function (row) {
          var h = Math.max.apply(null, [14].concat(row.map(function (it) { return it.h; })));
          var rx = pad;
          row.forEach(function (it) {
            out.push('<g transform="translate(' + rx.toFixed(1) + ',' +
              (y + (h - it.h) / 2).toFixed(1) + ')">' + it.swatch + '</g>');
            out.push(Atlas.svgText(rx + it.w + 6, y + h / 2 + 4, it.label));
            rx += it.w + 6 + 6.4 * it.label.length + 16;
          });
          y += h + 5;
        });
        y += 1;
      },
      /** @param {string} svg */
      push: function (svg) { out.push(svg); },
      done: function () { return {svg: out.join(''), height: y + pad}; }
    };
    return writer;
  };

  /**
   * A line key for an exported legend (see legendWriter.row).
   * @param {string} colour
   * @param {number} width
   * @param {string | null} [dash]
   * @param {number} [length]
   */
  Atlas.lineKey = function (colour, width, dash, length) {
    var len = length || 30, h = Math.max(4, width + 2);
    return {w: len, h: h, swatch: '<line x1="0" x2="' + len + '" y1="' + h / 2 + '" y2="' +
      h / 2 + '" stroke="' + colour + '" stroke-width="' + width.toFixed(2) + '"' +
      (dash ? ' stroke-dasharray="' + dash + '"' : '') + '/>'};
  };

  /**
   * A circle key for an exported legend.
   * @param {string} colour
   * @param {number} r
   * @param {number} [fillOpacity]
   */
  Atlas.circleKey = function (colour, r, fillOpacity) {
    var size = 2 * r + 2;
    return {w: size, h: size, swatch: '<circle cx="' + size / 2 + '" cy="' + size / 2 +
      '" r="' + r.toFixed(2) + '" fill="' + colour + '" fill-opacity="' +
      (fillOpacity === undefined ? 0.3 : fillOpacity) + '" stroke="' + colour + '"/>'};
  };

  /**
   * The part of the map box the world fills, in container pixels, so an export has no blank
   * bands above and below the world.
   * @param {L.Map} map
   * @param {number} pad
   */
  Atlas.worldBox = function (map, pad) {
    var size = map.getSize();
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    (Atlas.outline || []).forEach(function (pt) {
      var p = map.latLngToContainerPoint([pt[1], pt[0]]);
      x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y);
    });
    if (!(x1 > x0)) { x0 = 0; y0 = 0; x1 = size.x; y1 = size.y; }
    x0 = Math.max(0, Math.floor(x0 - pad)); y0 = Math.max(0, Math.floor(y0 - pad));
    x1 = Math.min(size.x, Math.ceil(x1 + pad)); y1 = Math.min(size.y, Math.ceil(y1 + pad));
    return {x: x0, y: y0, w: x1 - x0, h: y1 - y0};
  };

  /**
   * The map as one SVG document: a title, the part of Leaflet's SVG the world fills
   * (countries, flows, circles), the labels, and a legend drawn below the map: an SVG
   * fragment `legendHeight` pixels tall, or a function of the document's width giving the
   * fragment and its height. Every text is an SVG <text> in the declared fonts.
   * @param {L.Map} map
   * @param {string} title
   * @param {string | ((width: number) => {svg: string, height: number})} legend
   * @param {number} [legendHeight]
   */
  Atlas.svgSnapshot = function (map, title, legend, legendHeight) {
    var box = map.getContainer().getBoundingClientRect();
    var crop = Atlas.worldBox(map, 6);
    var w = Math.max(crop.w, 560);
    var serializer = new XMLSerializer();
    /** @type {string[]} */
    var parts = [];
    map.getContainer().querySelectorAll('.leaflet-pane svg').forEach(function (svg) {
      var r = svg.getBoundingClientRect();
      var clone = /** @type {SVGSVGElement} */ (svg.cloneNode(true));
      clone.removeAttribute('style');
      clone.removeAttribute('class');
      clone.setAttribute('x', (r.left - box.left).toFixed(1));
      clone.setAttribute('y', (r.top - box.top).toFixed(1));
      clone.setAttribute('width', r.width.toFixed(1));
      clone.setAttribute('height', r.height.toFixed(1));
      clone.querySelectorAll('path').forEach(function (p) { p.removeAttribute('class'); });
      parts.push(serializer.serializeToString(clone));
    });
    map.getContainer().querySelectorAll('.atlas-label span').forEach(function (span) {
      var r = span.getBoundingClientRect();
      var x = r.left + r.width / 2 - box.left, y = r.top + r.height / 2 - box.top;
      if (x < crop.x || y < crop.y || x > crop.x + crop.w || y > crop.y + crop.h) { return; }
      parts.push(Atlas.svgText(x, y, span.textContent || '', {'text-anchor': 'middle',
        'dominant-baseline': 'central', 'font-size': 11, 'font-weight': 600, fill: '#222',
        stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke'}));
    });
    var head = Atlas.wrap(title, Math.floor((w - 24) / 9.6));
    var top = 10 + 22 * head.length;
    var titleSvg = head.map(function (line, i) {
      return Atlas.svgText(12, 26 + 22 * i, line, {'font-size': 16, 'font-weight': 'bold'});
    }).join('');
    var low = typeof legend === 'function' ? legend(w) :
      {svg: legend || '', height: legendHeight || 0};
    var total = Math.ceil(top + crop.h + low.height);
    var mapX = Math.round((w - crop.w) / 2);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="' + w + '" height="' +
      total + '" viewBox="0 0 ' + w + ' ' + total + '" font-family="' + Atlas.xml(Atlas.FONT) +
      '">' + '<title>' + Atlas.xml(title) + '</title>' +
      '<rect width="100%" height="100%" fill="#ffffff"/>' + titleSvg +
      '<svg x="' + mapX + '" y="' + top + '" width="' + crop.w + '" height="' + crop.h +
      '" viewBox="' + crop.x + ' ' + crop.y + ' ' + crop.w + ' ' + crop.h +
      '" overflow="hidden">' + parts.join('') + '</svg>' +
      '<g transform="translate(0,' + (top + crop.h) + ')">' + low.svg + '</g></svg>';
  };

  /**
   * @param {string} name
   * @param {Blob} blob
   */
  Atlas.download = function (name, blob) {
    var url = URL.createObjectURL(blob);
    var a = Atlas.el('a', {href: url, download: name});
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  };

  /**
   * @param {string} name
   * @param {string} svg
   */
  Atlas.downloadSvg = function (name, svg) {
    Atlas.download(name, new Blob([svg], {type: 'image/svg+xml'}));
  };

  /**
   * @param {string} name
   * @param {string} svg
   * @param {number} scale
   */
  Atlas.downloadPng = function (name, svg, scale) {
    var img = new Image();
    img.onload = function () {
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      var ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0);
      canvas.toBlob(function (blob) { Atlas.download(name, /** @type {Blob} */ (blob)); },
        'image/png');
    };
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  };

  /**
   * @param {string[]} header
   * @param {unknown[][]} rows
   */
  Atlas.csv = function (header, rows) {
    /** @param {unknown} v */
    function cell(v) {
      var s = v === null || v === undefined ? '' : String(v);
      // a leading = + - @ tab or CR would be read as a formula by spreadsheets (OWASP "CSV
      // Injection"); a real number stays a number: the rule of pipeline/util/spreadsheet.py
      if (/^[=+\-@\t\r]/.test(s) &&
          !/^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(s)) { s = "'" + s; }
      return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }
    return [header].concat(/** @type {any[][]} */ (rows))
      .map(function (r) { return r.map(cell).join(','); })
      .join('\r\n') + '\r\n';
  };

  /**
   * @param {string} name
   * @param {string[]} header
   * @param {unknown[][]} rows
   */
  Atlas.downloadCsv = function (name, header, rows) {
    Atlas.download(name, new Blob([Atlas.csv(header, rows)], {type: 'text/csv'}));
  };

  /**
   * A row of download buttons for the sidebar.
   * @param {{svg: () => void, png: () => void, csv: () => void}} handlers
   */
  Atlas.downloads = function (handlers) {
    return Atlas.el('div', {class: 'downloads'}, [
      Atlas.el('h2', {text: 'Download what is drawn'}),
      Atlas.el('button', {type: 'button', id: 'download-svg', text: 'Download SVG',
        on: {click: handlers.svg}}),
      Atlas.el('button', {type: 'button', id: 'download-png', text: 'Download PNG',
        on: {click: handlers.png}}),
      Atlas.el('button', {type: 'button', id: 'download-csv', text: 'Download CSV',
        on: {click: handlers.csv}})
    ]);
  };

  /* Small SVG swatches for legends. */
  /**
   * @param {string} colour
   * @param {number} width
   * @param {string | null} [dash]
   * @param {number} [length]
   */
  Atlas.lineSwatch = function (colour, width, dash, length) {
    var svg = Atlas.svgEl('svg', {width: length || 34, height: Math.max(10, width + 4)});
    var line = Atlas.svgEl('line', {x1: 1, x2: (length || 34) - 1, y1: '50%', y2: '50%',
      stroke: colour, 'stroke-width': width});
    if (dash) { line.setAttribute('stroke-dasharray', dash); }
    svg.appendChild(line);
    return svg;
  };
  /**
   * @param {string} colour
   * @param {number} r
   * @param {number} [fillOpacity]
   */
  Atlas.circleSwatch = function (colour, r, fillOpacity) {
    var size = Math.ceil(2 * r + 4);
    var svg = Atlas.svgEl('svg', {width: size, height: size});
    svg.appendChild(Atlas.svgEl('circle', {cx: size / 2, cy: size / 2, r: r, fill: colour,
      'fill-opacity': fillOpacity === undefined ? 0.3 : fillOpacity, stroke: colour}));
    return svg;
  };
  /**
   * @param {string} fill
   * @param {string} [stroke]
   */
  Atlas.boxSwatch = function (fill, stroke) {
    var svg = Atlas.svgEl('svg', {width: 16, height: 12});
    svg.appendChild(Atlas.svgEl('rect', {x: 0.5, y: 0.5, width: 15, height: 11, fill: fill,
      stroke: stroke || '#999'}));
    return svg;
  };

  /**
   * Labels beside their circles, never on a circle or on each other: eight places around the
   * circle (right, left, above, below, then the diagonals), then the same farther out with a
   * leader line; a label that must be shown and finds no room goes where it overlaps least
   * (pipeline/render/labels.py, place_labels: the same rule). Screen pixels, y downwards.
   * @param {Array<{key: string, x: number, y: number, r: number, w: number, h: number,
   *   must: boolean}>} items  in order of priority
   * @param {Array<[number, number, number]>} circles  [x, y, radius]
   * @param {number[]} [bounds]  [x0, y0, x1, y1]: labels stay inside
   * @returns {Array<{key: string, x: number, y: number, box: number[], leader: boolean}>}
   */
  Atlas.placeLabels = function (items, circles, bounds) {
    var DIRS = [[1, 0], [-1, 0], [0, -1], [0, 1], [1, -1], [-1, -1], [1, 1], [-1, 1]];
    var RINGS = 4, GAP = 2, MARGIN = 1;
    /** @type {number[][]} */
    var boxes = [];
    /** @type {Array<{key: string, x: number, y: number, box: number[], leader: boolean}>} */
    var out = [];
    /**
     * @param {number[]} b
     * @param {number[]} c
     */
    function hitsCircle(b, c) {
      var nx = Math.min(Math.max(c[0], b[0]), b[2]), ny = Math.min(Math.max(c[1], b[1]), b[3]);
      return (nx - c[0]) * (nx - c[0]) + (ny - c[1]) * (ny - c[1]) < c[2] * c[2];
    }
    /**
     * @param {number[]} a
     * @param {number[]} b
     */
    function overlap(a, b) {
      var w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      var h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      return w > 0 && h > 0 ? w * h : 0;
    }
    items.forEach(function (it) {
      /** @type {{cost: number, box: number[], ring: number} | null} */
      var best = null;
      /** @type {{box: number[], ring: number} | null} */
      var chosen = null;
      for (var ring = 0; ring <= RINGS && !chosen; ring++) {
        for (var k = 0; k < DIRS.length; k++) {
          var dx = DIRS[k][0], dy = DIRS[k][1];
          var d = it.r + GAP + ring * it.h, f = dx && dy ? 0.7071 : 1;
          var cx = it.x + dx * (d * f + it.w / 2), cy = it.y + dy * (d * f + it.h / 2);
          var box = [cx - it.w / 2, cy - it.h / 2, cx + it.w / 2, cy + it.h / 2];
          var g = [box[0] - MARGIN, box[1] - MARGIN, box[2] + MARGIN, box[3] + MARGIN];
          var hits = circles.filter(function (c) { return hitsCircle(g, c); }).length;
          if (bounds && (box[0] < bounds[0] || box[1] < bounds[1] || box[2] > bounds[2] ||
              box[3] > bounds[3])) { hits += 1; }
          var cost = boxes.reduce(function (sum, b) { return sum + overlap(g, b); }, 0);
          if (!hits && cost === 0) { chosen = {box: box, ring: ring}; break; }
          cost += hits * it.w * it.h;
          if (best === null || cost < best.cost) { best = {cost: cost, box: box, ring: ring}; }
        }
      }
      if (!chosen) {
        if (!it.must || best === null) { return; }
        chosen = {box: best.box, ring: best.ring};
      }
      boxes.push(chosen.box);
      out.push({key: it.key, x: (chosen.box[0] + chosen.box[2]) / 2,
        y: (chosen.box[1] + chosen.box[3]) / 2, box: chosen.box, leader: chosen.ring > 0});
    });
    return out;
  };

  /** @type {CanvasRenderingContext2D | null} */
  var measurer = null;
  /**
   * The width in pixels of a label's text, in the labels' font (.atlas-label span).
   * @param {string} text
   */
  Atlas.labelWidth = function (text) {
    measurer = measurer || /** @type {CanvasRenderingContext2D} */ (
      document.createElement('canvas').getContext('2d'));
    measurer.font = '600 11px system-ui, sans-serif';
    return measurer.measureText(text).width;
  };

  /**
   * Labels for the largest countries: HTML markers, exported as SVG text.
   * @param {L.LatLngExpression} latLng
   * @param {string} text
   */
  Atlas.label = function (latLng, text) {
    var span = Atlas.el('span', {text: text});
    return L.marker(latLng, {
      icon: L.divIcon({className: 'atlas-label', html: span, iconSize: [0, 0]}),
      interactive: false, keyboard: false
    });
  };

  return Atlas;
})();
