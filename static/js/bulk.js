/* The connection list's bulk form: while rows are selected, the steps that apply to none of their states are
   disabled (the server offers each step that applies to some state in the list, and refuses one that applies to
   none of the selection: this only saves a round trip). */
(function () {
  "use strict";

  function update(form) {
    var select = form.querySelector("#bulk-action");
    if (!select) return;
    var scope = form.querySelector("input[name='scope']:checked");
    var states = {};
    var count = 0;
    form.querySelectorAll("input[name='connection']:checked").forEach(function (box) {
      states[box.getAttribute("data-state")] = true;
      count += 1;
    });
    var narrow = scope && scope.value === "selected" && count > 0;
    select.querySelectorAll("option[data-sources]").forEach(function (option) {
      var applies = !narrow || option.getAttribute("data-sources").split(" ").some(function (state) {
        return states[state];
      });
      option.disabled = !applies;
      if (!applies && option.selected) select.value = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    // After the select-all box's own handler has ticked the rows.
    form.addEventListener("change", function () { window.setTimeout(function () { update(form); }, 0); });
    update(form);
  });
})();
