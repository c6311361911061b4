// The citizen's report form: the place by the phone's location or a tap on the map, and the open
// reports of the same kind already made nearby.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var lon = $("lon"), lat = $("lat"), status = $("gps-status");
  var picker = window.CityPick($("pick-map"), $("pick-mark"), function (point) { set(point); });
  function set(point) {
    lon.value = point.lon.toFixed(6); lat.value = point.lat.toFixed(6);
    picker.show(point); nearby();
  }
  function nearby() {
    var x = parseFloat(lon.value), y = parseFloat(lat.value), category = $("categoryCode").value, box = $("duplicates"), list = $("duplicate-list");
    if (isNaN(x) || isNaN(y) || !category) { box.hidden = true; return; }
    fetch("/api/v1/cases/nearby?category=" + encodeURIComponent(category) + "&lon=" + x + "&lat=" + y, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (answer) {
        list.textContent = "";
        answer.items.forEach(function (c) {
          var li = document.createElement("li");
          li.textContent = c.stateName + " · " + c.description.slice(0, 30);
          list.appendChild(li);
        });
        box.hidden = answer.items.length === 0;
      }, function () { box.hidden = true; });
  }
  $("use-gps").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = "此设备不支持定位，请在地图上点选。 No location on this device: tap the map."; return; }
    status.textContent = "正在定位… Locating…";
    navigator.geolocation.getCurrentPosition(function (p) {
      set({ lon: p.coords.longitude, lat: p.coords.latitude });
      status.textContent = "已定位（精度约 " + Math.round(p.coords.accuracy) + " 米） Located (±" + Math.round(p.coords.accuracy) + " m)";
    }, function (e) {
      status.textContent = "无法定位，请在地图上点选。 Could not locate you: tap the map. (" + e.message + ")";
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
  lon.addEventListener("change", nearby); lat.addEventListener("change", nearby);
  $("categoryCode").addEventListener("change", nearby);
  if (lon.value && lat.value) picker.show({ lon: parseFloat(lon.value), lat: parseFloat(lat.value) });
})();
