// Client-side behaviour shared by the built-in sites: dialogs, popups, small helpers.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    document.addEventListener("click", function (event) {
      var opener = event.target.closest("[data-open]");
      if (opener) {
        var dialog = document.getElementById(opener.getAttribute("data-open"));
        if (dialog && !dialog.open) dialog.showModal();
        return;
      }
      var closer = event.target.closest("[data-close]");
      if (closer) {
        var parent = closer.closest("dialog");
        if (parent) parent.close();
      }
      var toggle = event.target.closest("[data-toggle]");
      if (toggle) {
        var target = document.getElementById(toggle.getAttribute("data-toggle"));
        if (target) target.hidden = !target.hidden;
        toggle.setAttribute("aria-expanded", target && !target.hidden ? "true" : "false");
      }
      var swap = event.target.closest("[data-swap]");
      if (swap) {
        var names = swap.getAttribute("data-swap").split(",");
        var a = document.querySelector("[name='" + names[0] + "']");
        var b = document.querySelector("[name='" + names[1] + "']");
        if (a && b) { var v = a.value; a.value = b.value; b.value = v; }
      }
    });
    // Promotional popups show once per browsing session.
    document.querySelectorAll("dialog[data-popup]").forEach(function (dialog) {
      var key = "popup:" + dialog.id;
      if (!sessionStorage.getItem(key)) {
        dialog.showModal();
        dialog.addEventListener("close", function () { sessionStorage.setItem(key, "1"); });
      }
    });
    // A running countdown on deals, purely decorative.
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = parseInt(el.getAttribute("data-countdown"), 10);
      setInterval(function () {
        left = Math.max(0, left - 1);
        var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
        el.textContent = h + "h " + m + "m " + s + "s";
      }, 1000);
    });
  });
})();
