/*
 * The warning before the idle logout (accounts/templatetags/session_warning.py).
 *
 * Counts from the last request to the server (a page load or any htmx request,
 * the draft autosave included). Two minutes before the server would end the
 * session it shows the warning with "Stay logged in", which tells the server
 * the user is active; when the time has run out it says so, without leaving
 * the page, so that nothing on it is lost.
 */
(function () {
  "use strict";

  var box = document.getElementById("session-warning");
  if (!box) {
    return;
  }
  var warnAfter = parseInt(box.getAttribute("data-warn-after"), 10) * 1000;
  var idle = parseInt(box.getAttribute("data-idle"), 10) * 1000;
  var soon = box.querySelector(".session-warning__soon");
  var ended = box.querySelector(".session-warning__ended");
  var button = box.querySelector("[data-keep-alive-button]");
  var warnTimer = null;
  var endTimer = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function restart() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    box.hidden = true;
    soon.hidden = false;
    ended.hidden = true;
    warnTimer = window.setTimeout(function () {
      box.hidden = false;
      button.focus();
    }, warnAfter);
    endTimer = window.setTimeout(function () {
      soon.hidden = true;
      ended.hidden = false;
      box.hidden = false;
    }, idle);
  }

  button.addEventListener("click", function () {
    fetch(box.getAttribute("data-keep-alive"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.ok) {
        restart();
      }
    });
  });
  document.addEventListener("htmx:afterRequest", restart);
  restart();
})();
