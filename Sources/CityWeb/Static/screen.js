// The wall display: reads the picture of the city (GET /api/v1/cases/screen), draws its figures
// and charts as SVG, and keeps it live from the case feed (server-sent events). The browser's
// EventSource reconnects by itself and sends the last cursor it saw (Last-Event-ID), so a
// server restart only pauses the display.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var STATES = {
    reported: "待受理 reported", registered: "已立案 registered", dispatched: "已派遣 dispatched", handling: "处置中 handling",
    reportedBack: "已反馈 reported back", closed: "已结案 closed", parked: "挂账 parked", rejected: "不予立案 rejected",
    merged: "已合并 merged", handedOff: "已转交 handed off", deleted: "已删除 deleted"
  };
  var CHANNELS = { hotline: "12345热线", inspector: "监督员", citizen: "市民", open311: "Open311", system: "系统接入" };
  var map = document.getElementById("screen-map");
  var markers = document.getElementById("markers");
  var projection = {};
  (map.getAttribute("data-projection") || "").split(";").forEach(function (pair) {
    var kv = pair.split("=");
    if (kv.length === 2) { projection[kv[0]] = parseFloat(kv[1]); }
  });
  var today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

  function text(id, value) { document.getElementById(id).textContent = value; }
  function percent(rate) { return rate === null || rate === undefined ? "–" : (rate * 100).toFixed(1) + "%"; }
  function el(name, attrs, content) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (content !== undefined) { node.textContent = content; }
    return node;
  }
  function place(location) {
    if (!location || !projection.scale) { return null; }
    return { x: 10 + (location.lon - projection.minLon) * projection.kx * projection.scale,
             y: 10 + (projection.maxLat - location.lat) * projection.scale };
  }
  function kind(c) {
    if (c.overdue && (c.state === "dispatched" || c.state === "handling")) { return "overdue"; }
    if (c.state === "closed") { return "closed"; }
    if (c.state === "reported" || c.state === "registered") { return "new"; }
    return "progress";
  }
  function chinaDay(iso) { var t = Date.parse(iso || ""); return isNaN(t) ? "" : new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 10); }
  // Open cases, and the ones closed today.
  function shown(c) {
    return c.state !== "deleted" && c.state !== "rejected" && c.state !== "merged" && c.state !== "handedOff" &&
      (c.state !== "closed" || chinaDay(c.at) === today);
  }

  function mark(c, flash) {
    var id = "m-" + c.number;
    var old = document.getElementById(id);
    if (old) { old.parentNode.removeChild(old); }
    var at = place(c.location);
    if (!at || !shown(c)) { return; }
    var dot = el("circle", { id: id, cx: at.x.toFixed(1), cy: at.y.toFixed(1), r: flash ? 7 : 4, "class": kind(c) + (flash ? " flash" : "") },
      undefined);
    dot.appendChild(el("title", {}, c.number + " " + (c.categoryName || c.categoryCode) + " " + (STATES[c.state] || c.state)));
    markers.appendChild(dot);
    if (flash) { setTimeout(function () { dot.setAttribute("r", 4); dot.setAttribute("class", kind(c)); }, 4000); }
  }

  function latestItem(c, fresh) {
    var li = document.createElement("li");
    li.id = "l-" + c.number;
    if (fresh) { li.className = "fresh"; }
    var num = document.createElement("span"); num.className = "num"; num.textContent = c.number;
    var state = document.createElement("span"); state.className = "state"; state.textContent = STATES[c.state] || c.state;
    var what = document.createElement("span"); what.className = "what"; what.textContent = (c.categoryName || c.categoryCode) + " · " + c.summary;
    var where = document.createElement("span"); where.className = "where"; where.textContent = (c.address || c.divisionCode) + " · " + (CHANNELS[c.channel] || c.channel);
    li.appendChild(num); li.appendChild(state); li.appendChild(what); li.appendChild(where);
    return li;
  }

  function bars(id, items, label) {
    var svg = document.getElementById(id);
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var max = Math.max(1, Math.max.apply(null, items.map(function (i) { return i.count; })));
    var width = 420, height = 200, slot = width / Math.max(1, items.length);
    items.forEach(function (item, i) {
      var h = (height - 50) * item.count / max;
      var x = i * slot + slot * 0.15;
      svg.appendChild(el("rect", { x: x.toFixed(1), y: (height - 30 - h).toFixed(1), width: (slot * 0.7).toFixed(1), height: h.toFixed(1) }));
      svg.appendChild(el("text", { x: (x + slot * 0.35).toFixed(1), y: (height - 34 - h).toFixed(1), "text-anchor": "middle", "class": "value" }, String(item.count)));
      svg.appendChild(el("text", { x: (x + slot * 0.35).toFixed(1), y: height - 10, "text-anchor": "middle" }, label(item)));
    });
  }

  function line(id, items, label, every) {
    var svg = document.getElementById(id);
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var max = Math.max(1, Math.max.apply(null, items.map(function (i) { return i.count; })));
    var width = 420, height = 200, step = (width - 40) / Math.max(1, items.length - 1);
    var points = items.map(function (item, i) {
      return (20 + i * step).toFixed(1) + "," + (height - 30 - (height - 60) * item.count / max).toFixed(1);
    });
    svg.appendChild(el("polyline", { points: points.join(" ") }));
    items.forEach(function (item, i) {
      if (i % every === 0 || i === items.length - 1) {
        svg.appendChild(el("text", { x: (20 + i * step).toFixed(1), y: height - 10, "text-anchor": "middle" }, label(item)));
      }
    });
    svg.appendChild(el("text", { x: 20, y: 18, "class": "value" }, "峰值 max " + max));
  }

  function draw(p) {
    text("f-today", p.today);
    text("f-progress", p.inProgress);
    text("f-overdue", p.overdue);
    text("f-closure", percent(p.closureRate));
    text("f-ontime", percent(p.onTimeRate));
    text("f-satisfaction", percent(p.satisfactionRate));
    text("f-register", percent(p.registeredInTimeRate));
    text("f-dispatch", percent(p.dispatchedInTimeRate));
    bars("chart-channel", p.byChannel, function (i) { return CHANNELS[i.key] || i.key; });
    bars("chart-category", p.byCategory.slice(0, 6), function (i) { return (i.name || i.key).slice(0, 5); });
    line("chart-days", p.days, function (i) { return i.key.slice(5); }, 1);
    line("chart-hours", p.hours, function (i) { return i.key + "时"; }, 4);
    var ranking = document.getElementById("ranking");
    while (ranking.firstChild) { ranking.removeChild(ranking.firstChild); }
    p.ranking.forEach(function (r) {
      var li = document.createElement("li");
      var rate = document.createElement("span"); rate.className = "rate"; rate.textContent = percent(r.onTimeRate);
      li.appendChild(document.createTextNode(r.organisationCode + " (" + r.registered + ")"));
      li.appendChild(rate);
      ranking.appendChild(li);
    });
    var list = document.getElementById("latest");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    p.latest.slice(0, 7).forEach(function (c) { list.appendChild(latestItem(c, false)); });
    while (markers.firstChild) { markers.removeChild(markers.firstChild); }
    p.markers.forEach(function (c) { mark(c, false); });
  }

  var loading = false, again = false;
  // Zoom to the grid cells (the central district's 万米单元网格) and back to the whole city.
  var whole = map.getAttribute("viewBox"), grid = null, zoom = document.getElementById("zoom-grid");
  function zoomed(on) {
    zoom.setAttribute("aria-pressed", on ? "true" : "false");
    map.setAttribute("viewBox", on && grid && grid.box ? grid.box.join(" ") : whole);
    map.classList.toggle("zoomed", on);
  }
  zoom.addEventListener("click", function () {
    if (zoom.getAttribute("aria-pressed") === "true") { zoomed(false); return; }
    if (grid) { zoomed(true); return; }
    fetch("/screen/grid", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (g) {
      grid = g;
      if (g.cells > 0) { document.getElementById("grid-layer").appendChild(el("path", { d: g.d })); }
      zoomed(true);
    });
  });

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    fetch("/api/v1/cases/screen", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(draw)
      .catch(function (e) { text("live", "数据读取失败 " + e.message); })
      .then(function () { loading = false; if (again) { again = false; setTimeout(refresh, 1000); } });
  }
  // Figures follow the changes at most every 3 seconds; markers and the list at once.
  var pending = null;
  function soon() { if (!pending) { pending = setTimeout(function () { pending = null; refresh(); }, 3000); } }

  function live() {
    var source = new EventSource("/api/v1/cases/feed");
    var status = document.getElementById("live");
    source.onopen = function () { status.textContent = "实时 live"; status.className = "live on"; };
    source.onerror = function () { status.textContent = "重新连接中 reconnecting"; status.className = "live off"; };
    source.addEventListener("case", function (event) {
      var c = JSON.parse(event.data);
      mark(c, true);
      var list = document.getElementById("latest");
      var old = document.getElementById("l-" + c.number);
      if (old) { old.parentNode.removeChild(old); }
      if (c.state !== "deleted") { list.insertBefore(latestItem(c, true), list.firstChild); }
      while (list.children.length > 7) { list.removeChild(list.lastChild); }
      soon();
    });
    source.addEventListener("reset", refresh);
  }

  function tick() {
    var now = new Date(Date.now() + 8 * 3600 * 1000).toISOString();
    text("clock", now.slice(0, 10) + " " + now.slice(11, 19));
  }
  tick();
  setInterval(tick, 1000);
  refresh();
  live();
})();
