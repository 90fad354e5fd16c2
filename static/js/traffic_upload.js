/* The traffic upload with a progress bar: the form is sent by XMLHttpRequest, whose upload events give the bytes
   sent; on success the browser goes to the file's page (its check report). Without JavaScript the form posts as
   usual. A file past the limit is refused here before a byte is sent (the server refuses it too, with 413). */
(function () {
  "use strict";

  function showErrors(box, messages) {
    box.textContent = "";
    messages.forEach(function (text) {
      var paragraph = document.createElement("p");
      paragraph.textContent = text;
      box.appendChild(paragraph);
    });
    box.hidden = false;
    box.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("traffic-upload");
    if (!form || !window.XMLHttpRequest || !window.FormData) return;
    var box = document.getElementById("traffic-file-error");
    var input = document.getElementById("traffic-file");
    var wrapper = document.getElementById("traffic-upload-progress");
    var bar = document.getElementById("traffic-upload-bar");
    var percent = document.getElementById("traffic-upload-percent");
    var button = form.querySelector("button[type='submit']");
    box.setAttribute("tabindex", "-1");

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = input.files && input.files[0];
      var limit = parseInt(form.getAttribute("data-limit-bytes"), 10);
      if (file && limit && file.size > limit) {
        input.setAttribute("aria-invalid", "true");
        showErrors(box, [form.getAttribute("data-too-large")]);
        return;
      }
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action") || window.location.href);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) return;
        var share = Math.floor((100 * progress.loaded) / progress.total);
        bar.value = share;
        bar.textContent = share + "%";
        percent.textContent = share;
      });
      request.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
        if (request.status === 201 && answer && answer.url) {
          window.location.assign(answer.url);
          return;
        }
        button.disabled = false;
        wrapper.hidden = true;
        input.setAttribute("aria-invalid", "true");
        showErrors(box, answer && answer.errors ? answer.errors : [form.getAttribute("data-failed")]);
      });
      request.addEventListener("error", function () {
        button.disabled = false;
        wrapper.hidden = true;
        showErrors(box, [form.getAttribute("data-failed")]);
      });
      button.disabled = true;
      wrapper.hidden = false;
      box.hidden = true;
      request.send(new FormData(form));
    });
  });
})();
