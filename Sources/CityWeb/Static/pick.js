// A point picked on one of our SVG maps (drawn by MapDrawing, whose projection the map carries in
// data-projection), and the marker that shows it. Used by the intake form and the citizen portal.
window.CityPick = function (map, mark, onPick) {
  "use strict";
  var projection = {};
  (map.getAttribute("data-projection") || "").split(";").forEach(function (pair) {
    var kv = pair.split("="); if (kv.length === 2) projection[kv[0]] = parseFloat(kv[1]);
  });
  function show(point) {
    if (!("scale" in projection)) return;
    mark.setAttribute("cx", 10 + (point.lon - projection.minLon) * projection.kx * projection.scale);
    mark.setAttribute("cy", 10 + (projection.maxLat - point.lat) * projection.scale);
  }
  map.addEventListener("click", function (event) {
    if (!("scale" in projection) || !map.getScreenCTM) return;
    var pt = map.createSVGPoint(); pt.x = event.clientX; pt.y = event.clientY;
    var p = pt.matrixTransform(map.getScreenCTM().inverse());
    var point = { lon: projection.minLon + (p.x - 10) / (projection.kx * projection.scale), lat: projection.maxLat - (p.y - 10) / projection.scale };
    show(point); onPick(point);
  });
  return { show: show };
};
