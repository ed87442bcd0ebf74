// The visitor slip's print button (the page prints with Ctrl+P as well).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("slip-print");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
