/* The helpdesk's customer card: choosing a contact on record in the callback form fills in that contact's name and
   phone number (the options carry them, helpdesk/views.py ContactSelect). A progressive enhancement: without it the
   server fills in what is left empty from the chosen contact. */
(function () {
  "use strict";

  function wireContactFill(select) {
    var name = document.getElementById(select.getAttribute("data-fills-name"));
    var phone = document.getElementById(select.getAttribute("data-fills-phone"));
    if (!name || !phone) return;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option || !option.hasAttribute("data-name")) return;
      name.value = option.getAttribute("data-name");
      phone.value = option.getAttribute("data-phone") || "";
      if (!phone.value) phone.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-fills-name]").forEach(wireContactFill);
  });
})();
