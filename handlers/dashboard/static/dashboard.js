// Loket dashboard: small conveniences only; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The office and language switches submit as soon as a choice is made.
  document.querySelectorAll("form.autosubmit select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button[type=submit]");
    if (button) { button.hidden = true; }
  });
});
