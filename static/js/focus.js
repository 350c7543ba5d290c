/*
 * Keyboard focus on every page (loaded by base.html).
 *
 * After htmx replaces part of the page (a saved contact, a form with errors,
 * older contacts loaded), the element that had focus is gone. The server marks
 * where focus belongs with data-focus-next: the error summary of a form, the
 * new contact on top of the timeline, the first of the older contacts. A page
 * rendered without htmx (a form sent back with errors) is handled the same way.
 */
(function () {
  "use strict";

  function focusMarked() {
    var target = document.querySelector("[data-focus-next]");
    if (!target) {
      return;
    }
    target.removeAttribute("data-focus-next");
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  document.addEventListener("DOMContentLoaded", focusMarked);
  document.addEventListener("htmx:afterSettle", focusMarked);
})();
