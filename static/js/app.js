/* HTG Migration Tracker: small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // Background job progress: poll the JSON endpoint until the job has finished, then reload to show the summary.
  function watchProgress(element) {
    var url = element.getAttribute("data-progress-url");
    if (!url || element.getAttribute("data-finished") === "true") return;
    var bar = element.querySelector("progress");
    var done = element.querySelector("[data-progress-done]");
    var total = element.querySelector("[data-progress-total]");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          bar.max = Math.max(data.total, 1);
          bar.value = data.done;
          bar.textContent = data.done + " / " + data.total;
          done.textContent = data.done;
          total.textContent = data.total;
          if (data.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 700);
          }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  // "Select all on this page" for bulk actions.
  function wireSelectAll(box) {
    var form = box.form;
    box.addEventListener("change", function () {
      form.querySelectorAll("input[name='connection']").forEach(function (item) { item.checked = box.checked; });
    });
  }

  // Buttons that ask before they act: data-confirm="question".
  function wireConfirm(button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  }

  // The portal intake: a hub's client list is shown only while "hub" is chosen (or when something is typed in it).
  function wireShownForRole(section) {
    var form = section.form || section.closest("form");
    var radios = form.querySelectorAll("input[name='role']");
    function update() {
      var chosen = form.querySelector("input[name='role']:checked");
      var typed = Array.prototype.some.call(section.querySelectorAll("input[type='text']"), function (input) {
        return input.value.trim() !== "";
      });
      section.hidden = !typed && !(chosen && chosen.value === section.getAttribute("data-shown-for-role"));
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // The portal intake's flows: each flow's questions follow its answers (ticked, channel, TLS version). The page comes
  // from the server with the right ones hidden already; without this script, "Show the questions for my answers"
  // asks the server again, so the script hides that button.
  function wireFlowQuestions(fieldset) {
    var used = fieldset.querySelector("[data-flow-used]");
    var tls = fieldset.querySelector("[data-flow-tls]");
    function part(name) { return fieldset.querySelector("[data-flow-part='" + name + "']"); }
    function update() {
      var ticked = used && (used.type === "hidden" || used.checked);
      var chosen = fieldset.querySelector("[data-flow-channel]:checked");
      var channel = ticked && chosen ? chosen.value : "";
      var old = tls && (tls.value === "1.1" || tls.value === "1.0");
      if (part("used")) part("used").hidden = !ticked;
      if (part("smtp_msa_pop3")) part("smtp_msa_pop3").hidden = channel !== "smtp_msa_pop3";
      if (part("upgrade")) part("upgrade").hidden = !(channel === "smtp_msa_pop3" && old);
      if (part("smtp_mta_ipsec")) part("smtp_mta_ipsec").hidden = channel !== "smtp_mta_ipsec";
    }
    fieldset.addEventListener("change", update);
    update();
  }

  // A form with a submit token ({% submit_token %}) is sent once: a second click while the first is on its way does
  // nothing, and its buttons are disabled. The server is the guarantee (one row per token); this spares the wait.
  // Disabled only after the submit has started: a disabled button would not send its own name and value.
  function wireSubmitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitting") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitting", "true");
      window.setTimeout(function () {
        form.querySelectorAll("button, input[type='submit']").forEach(function (button) {
          if (button.disabled) return;
          button.disabled = true;
          button.setAttribute("data-disabled-on-submit", "");
        });
      }, 0);
    });
  }

  // Back to a page kept in the browser's memory (the back button): its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      form.querySelectorAll("[data-disabled-on-submit]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("data-disabled-on-submit");
      });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shown-for-role]").forEach(wireShownForRole);
    document.querySelectorAll("[data-flow]").forEach(wireFlowQuestions);
    document.querySelectorAll("[data-without-script]").forEach(function (element) { element.hidden = true; });
    // An error summary takes the focus, so a screen reader reads it first and the keyboard starts from it.
    var summary = document.querySelector("[data-takes-focus]");
    if (summary) summary.focus();
    document.querySelectorAll("[data-progress-url]").forEach(watchProgress);
    document.querySelectorAll("[data-select-all]").forEach(wireSelectAll);
    document.querySelectorAll("[data-confirm]").forEach(wireConfirm);
    document.querySelectorAll("input[name='submit_token']").forEach(function (input) { wireSubmitOnce(input.form); });
    // A button whose second press would be refused (remove: the address is gone by then), marked data-submit-once.
    document.querySelectorAll("form[data-submit-once]").forEach(wireSubmitOnce);
  });
})();
