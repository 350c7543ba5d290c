/*
 * The header on a phone: the menu and the tools fold away behind one "Menu" button.
 *
 * Without JavaScript the button stays hidden and everything is shown (wrapped). With it, the
 * header gets .js-menu; the CSS folds the menu only on narrow screens, and the button shows
 * and toggles it (aria-expanded).
 */
(function () {
  "use strict";

  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".site-menu-button");
  if (!button) {
    return;
  }
  header.classList.add("js-menu");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = header.classList.toggle("site-header--open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
