// Shows upload progress on the documents step. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("documents-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var box = form.querySelector(".upload-progress");
  var bar = document.getElementById("upload-progress");

  function chosenFiles() {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (!chosenFiles() || (submitter && submitter.name === "remove")) { return; }
    event.preventDefault();
    var data = new FormData(form, submitter || undefined);
    var request = new XMLHttpRequest();
    // form.action would be the buttons named "action"; read the attribute instead.
    request.open("POST", form.getAttribute("action") || window.location.href.split("#")[0]);
    box.hidden = false;
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
    });
    request.addEventListener("load", function () {
      var target = request.responseURL || window.location.href;
      if (request.status === 200 && target.split("#")[0] === window.location.href.split("#")[0]) {
        // The same page with messages (for example a refused file): show it as it came.
        document.open();
        document.write(request.responseText);
        document.close();
      } else {
        window.location.assign(target);
      }
    });
    request.addEventListener("error", function () { form.submit(); });
    request.send(data);
  });
})();
