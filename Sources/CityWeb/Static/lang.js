// Chinese first, with an English switch: English text (marked lang="en") shows only when the
// reader asks for it; the choice is kept in this browser.
(function () {
  "use strict";
  var root = document.documentElement, key = "cityhub-english";
  var on = false;
  try { on = window.localStorage.getItem(key) === "1"; } catch (e) { on = false; }
  root.classList.toggle("with-en", on);
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("lang-switch");
    if (!button) return;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.addEventListener("click", function () {
      on = !on;
      root.classList.toggle("with-en", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      try { window.localStorage.setItem(key, on ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
    });
  });
})();
