// The console's only script. Two things the server cannot do:
// 1. A keyboard-wedge scanner types the voucher's code and Enter wherever the focus is:
//    keys typed while no field has the focus go to the scan field, so a scan always lands.
// 2. Buttons with data-confirm ask before their form is sent (retract, roll back).
(function () {
  "use strict";
  function scanField() { return document.querySelector("input[data-scan]"); }
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  document.addEventListener("keydown", function (event) {
    var field = scanField();
    if (!field || typing(document.activeElement)) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) { return; }
    field.focus();
  });
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
