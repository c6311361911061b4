// The intake form: address search, map pick, where the point lies, and open cases nearby to join.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var address = $("address"), results = $("address-results"), lon = $("lon"), lat = $("lat");
  var located = $("located");
  var picker = window.CityPick($("pick-map"), $("pick-mark"), function (point) { setPoint(point, ""); });

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }
  function text(tag, value, cls) {
    var el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el;
  }
  function place(point) { picker.show(point); }
  function setPoint(point, addressCode) {
    lon.value = point.lon.toFixed(6); lat.value = point.lat.toFixed(6);
    $("addressCode").value = addressCode || "";
    place(point); locate(); duplicates();
  }
  function locate() {
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (isNaN(x) || isNaN(y)) { located.textContent = ""; return; }
    getJSON("/api/v1/geography/locate?lon=" + x + "&lat=" + y).then(function (l) {
      located.textContent = "位于 " + l.division.name + (l.grid ? " · 网格 " + l.grid.code : "") +
        (l.nearestAddress ? " · 近 " + l.nearestAddress.name + "（" + l.nearestAddress.metres + " 米）" : "");
      if (!address.value && l.nearestAddress) address.value = l.nearestAddress.name;
    }, function () { located.textContent = "该点不在您的辖区内 This point is outside your scope"; });
  }
  function duplicates() {
    var x = parseFloat(lon.value), y = parseFloat(lat.value), category = $("categoryCode").value;
    var box = $("duplicates"), list = $("duplicate-list");
    if (isNaN(x) || isNaN(y) || !category) { box.hidden = true; return; }
    getJSON("/api/v1/cases/nearby?category=" + encodeURIComponent(category) + "&lon=" + x + "&lat=" + y).then(function (answer) {
      list.textContent = "";
      answer.items.forEach(function (c) {
        var li = document.createElement("li");
        var link = text("a", c.number); link.href = "/desk/cases/" + c.number; link.target = "_blank"; link.rel = "noopener";
        li.appendChild(link);
        li.appendChild(text("span", " " + c.description.slice(0, 40) + " "));
        var join = text("button", "并入此案件 Join this case", "join"); join.type = "button";
        join.setAttribute("data-number", c.number);
        join.addEventListener("click", function () { $("joinInto").value = c.number; form.requestSubmit ? form.requestSubmit() : form.submit(); });
        li.appendChild(join);
        list.appendChild(li);
      });
      box.hidden = answer.items.length === 0;
    }, function () { box.hidden = true; });
  }

  var timer = null;
  address.addEventListener("input", function () {
    clearTimeout(timer);
    var q = address.value.trim();
    $("addressCode").value = "";
    if (q.length < 2) { results.textContent = ""; return; }
    timer = setTimeout(function () {
      getJSON("/api/v1/geography/addresses?limit=8&q=" + encodeURIComponent(q)).then(function (answer) {
        results.textContent = "";
        answer.items.forEach(function (a) {
          var li = document.createElement("li");
          var pick = text("button", a.name + (a.kind === "poi" ? "（兴趣点）" : ""), "pick"); pick.type = "button";
          pick.addEventListener("click", function () {
            address.value = a.name; results.textContent = ""; setPoint(a.point, a.code);
          });
          li.appendChild(pick); results.appendChild(li);
        });
        if (!answer.items.length) results.appendChild(text("li", "地址库中没有匹配的地址 No address matches", "hint"));
      }, function () { results.textContent = ""; });
    }, 200);
  });
  lon.addEventListener("change", function () { locate(); duplicates(); });
  lat.addEventListener("change", function () { locate(); duplicates(); });
  $("categoryCode").addEventListener("change", duplicates);
  if (lon.value && lat.value) { place({ lon: parseFloat(lon.value), lat: parseFloat(lat.value) }); locate(); duplicates(); }
})();
