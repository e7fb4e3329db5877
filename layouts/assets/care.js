/* 关怀版 (elderly-friendly reading mode): large text and high contrast.
 *
 * The page never needs this script to be read: without JavaScript the button stays hidden
 * (it carries the `hidden` attribute) and the standard look is shown. The reader's choice is
 * kept in localStorage, so it follows them from page to page, from file:// as from a server.
 * Loaded in <head> so the mode is applied before the first paint (no flash of small text).
 */
(function () {
  "use strict";

  var KEY = "dwgk-care";
  var root = document.documentElement;

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (e) { // storage disabled: the mode still works on this page
      return root.classList.contains("care");
    }
  }

  function store(on) {
    try {
      if (on) {
        window.localStorage.setItem(KEY, "1");
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (e) { /* not remembered, nothing else to do */ }
  }

  function apply(on) {
    root.classList.toggle("care", on);
    var button = document.getElementById("care-toggle");
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  apply(stored());

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("care-toggle");
    if (!button) {
      return;
    }
    apply(root.classList.contains("care"));
    button.addEventListener("click", function () {
      var on = !root.classList.contains("care");
      store(on);
      apply(on);
    });
    button.hidden = false;
  });

  // Another tab switched the mode, or this page came back from the back/forward cache.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) {
      apply(stored());
    }
  });
  window.addEventListener("pageshow", function () {
    apply(stored());
  });
}());
