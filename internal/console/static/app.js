// Silkgate console: small enhancements only. Every page works without this
// file; it makes the phone menu a toggle, adds copy buttons to secrets
// shown once, and moves focus to a form's error summary.
(function () {
  "use strict";
  var side = document.getElementById("side");
  var menu = document.querySelector("[data-menu]");
  if (side && menu) {
    menu.setAttribute("role", "button");
    menu.setAttribute("aria-expanded", "false");
    menu.addEventListener("click", function (e) {
      e.preventDefault();
      var open = side.classList.toggle("open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && side.classList.contains("open")) {
        side.classList.remove("open");
        menu.setAttribute("aria-expanded", "false");
        menu.focus();
      }
    });
  }
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    var target = document.getElementById(b.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    var label = b.textContent;
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        b.textContent = b.getAttribute("data-done") || label;
        setTimeout(function () { b.textContent = label; }, 1500);
      });
    });
  });
  // A quote's countdown: data-countdown is its expiry (Unix seconds),
  // data-format the localised text with # for the seconds; at zero the
  // text turns to data-expired and the button named by data-disable is
  // disabled (the server refuses an expired quote regardless).
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var end = parseInt(el.getAttribute("data-countdown"), 10) * 1000;
    var format = el.getAttribute("data-format") || "#";
    var tick = function () {
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (left > 0) {
        el.textContent = format.replace("#", String(left));
        setTimeout(tick, 1000);
        return;
      }
      el.textContent = el.getAttribute("data-expired") || "";
      var b = document.getElementById(el.getAttribute("data-disable") || "");
      if (b) { b.disabled = true; }
    };
    tick();
  });
  var problem = document.querySelector("[data-focus]");
  if (problem) { problem.focus(); }
})();
