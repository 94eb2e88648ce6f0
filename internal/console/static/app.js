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
  var problem = document.querySelector("[data-focus]");
  if (problem) { problem.focus(); }
})();
