// Forms with uploads (the application's documents step, the answer to a request for documents:
// every form[data-upload-check]): checks the chosen files against the limits before sending,
// shows upload progress, and shows every refusal (the server's own message where it sent one).
// The limits and texts come translated from the page (data-* attributes). Without JavaScript the
// form posts as usual and the server gives the same messages.
(function () {
  "use strict";
  if (!window.FormData || !window.XMLHttpRequest || !window.DOMParser || !window.URL) { return; }
  var forms = document.querySelectorAll("form[data-upload-check]");
  if (!forms.length) { return; }

  // After an upload the page names what was taken (or what was refused): start there.
  var outcome = document.getElementById("upload-result") || document.getElementById("error-summary");
  if (outcome && (document.activeElement === document.body || document.activeElement === null)) { outcome.focus(); }

  Array.prototype.forEach.call(forms, checkUploads);

  function checkUploads(form) {
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector(".upload-progress progress");
    var status = form.querySelector(".upload-status");
    var data = form.dataset;
    var percent = window.Intl && window.Intl.NumberFormat ?
      new window.Intl.NumberFormat(document.documentElement.lang, { style: "percent" }) : null;

    function say(text) { if (status) { status.textContent = text; } }

    // The browser's own file button speaks the browser's language ("Choose Files", "No file
    // chosen"): the label, styled as a button, and a line naming the chosen files take its place.
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      var wrapper = input.parentNode;
      var label = wrapper.querySelector("label[for='" + input.id + "']");
      if (!label) { return; }
      wrapper.classList.add("file-picker");
      label.classList.add("kern-btn", "kern-btn--secondary", "file-picker__button");
      var chosen = document.createElement("span");
      chosen.className = "kern-body file-picker__chosen";
      chosen.id = input.id + "-chosen";
      chosen.textContent = data.textNoFile;
      wrapper.appendChild(chosen);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + chosen.id);
      input.addEventListener("change", function () {
        var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
        chosen.textContent = names.length ? data.textChosen.replace("{names}", names.join(data.comma || ", ")) :
          data.textNoFile;
      });
    });

    function number(value) {
      var parsed = parseInt(value, 10);
      return isNaN(parsed) ? null : parsed;
    }

    function fileInputs() {
      return Array.prototype.filter.call(form.querySelectorAll("input[type=file]"), function (input) {
        return input.files && input.files.length > 0;
      });
    }

    function labelled(input, message) {
      return { anchor: input.id, text: (input.dataset.slotLabel ? input.dataset.slotLabel + ": " : "") + message };
    }

    // The problems with the chosen files, as the server would name them; [] when they may be sent.
    function problems(inputs) {
      var maxFile = number(data.maxFileBytes), maxTotal = number(data.maxTotalBytes);
      var uploaded = number(data.uploadedBytes) || 0;
      var found = [], total = 0;
      inputs.forEach(function (input) {
        var maxFiles = number(input.dataset.maxFiles);
        if (maxFiles !== null && input.files.length > maxFiles) {
          found.push(labelled(input, input.dataset.textTooMany));
        }
        Array.prototype.forEach.call(input.files, function (file) {
          total += file.size;
          if (maxFile !== null && file.size > maxFile) {
            found.push(labelled(input, file.name + ": " + data.textTooLarge));
            input.dataset.refused = "yes";
          }
        });
      });
      if (!found.length && maxTotal !== null && uploaded + total > maxTotal) {
        found.push(labelled(inputs[0], data.textTooLargeTogether));
      }
      return found;
    }

    // An error summary like the server's (macros/apply.html), built without HTML from text.
    function showProblems(items, note) {
      var old = document.getElementById("upload-problems");
      if (old) { old.parentNode.removeChild(old); }
      var alert = document.createElement("div");
      alert.className = "kern-alert kern-alert--danger error-summary";
      alert.id = "upload-problems";
      alert.setAttribute("role", "alert");
      alert.setAttribute("tabindex", "-1");
      alert.setAttribute("aria-labelledby", "upload-problems-title");
      var header = document.createElement("div");
      header.className = "kern-alert__header";
      var title = document.createElement("h2");
      title.className = "kern-title";
      title.id = "upload-problems-title";
      title.textContent = data.textTitle;
      header.appendChild(title);
      var body = document.createElement("div");
      body.className = "kern-alert__body";
      var list = document.createElement("ul");
      list.className = "kern-list";
      items.forEach(function (item) {
        var entry = document.createElement("li");
        if (item.anchor) {
          var link = document.createElement("a");
          link.className = "kern-link";
          link.href = "#" + item.anchor;
          link.textContent = item.text;
          entry.appendChild(link);
        } else {
          entry.textContent = item.text;
        }
        list.appendChild(entry);
      });
      body.appendChild(list);
      if (note) {
        var paragraph = document.createElement("p");
        paragraph.className = "kern-body";
        paragraph.textContent = note;
        body.appendChild(paragraph);
      }
      alert.appendChild(header);
      alert.appendChild(body);
      var anchor = form.querySelector(".error-summary") || form.firstElementChild;
      form.insertBefore(alert, anchor && anchor.nextSibling);
      alert.focus();
    }

    function ready() {
      box.hidden = true;
      bar.value = 0;
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = false; });
    }

    // What a refusing answer says: the error summary of our page, or our error page's text.
    function serverProblems(request) {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") !== 0) { return []; }
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var items = Array.prototype.map.call(page.querySelectorAll("#error-summary li"), function (li) {
        var link = li.querySelector("a[href^='#']");
        return { anchor: link && document.getElementById(link.getAttribute("href").slice(1)) ?
          link.getAttribute("href").slice(1) : null, text: li.textContent.trim() };
      });
      var text = page.getElementById("error-text");
      var heading = page.querySelector("h1");
      if (!items.length && text) {
        items.push({ anchor: null,
          text: (heading ? heading.textContent.trim() + ": " : "") + text.textContent.trim() });
      }
      return items;
    }

    // Whether an answer is this page again: it holds this form.
    function samePage(request) {
      var type = request.getResponseHeader("Content-Type") || "";
      return type.indexOf("text/html") === 0 && form.id &&
        new DOMParser().parseFromString(request.responseText, "text/html").getElementById(form.id) !== null;
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var inputs = fileInputs();
      if (!inputs.length || (submitter && submitter.name === "remove")) { return; }
      event.preventDefault();
      var found = problems(inputs);
      if (found.length) {
        // Nothing is sent; a file that can never be taken is taken out of the choice.
        inputs.forEach(function (input) {
          if (input.dataset.refused) { input.value = ""; delete input.dataset.refused; }
        });
        showProblems(found, data.textNotSent);
        return;
      }
      var payload = new FormData(form, submitter || undefined);
      var request = new XMLHttpRequest();
      var here = window.location.href.split("#")[0];
      // form.action would be the buttons named "action"; read the attributes instead.
      var posted = new window.URL((submitter && submitter.getAttribute("formaction")) || form.getAttribute("action") ||
        here, here).href;
      request.open("POST", posted);
      box.hidden = false;
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      var announced = -1;
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        bar.value = Math.round((e.loaded / e.total) * 100);
        // Every quarter, not every event: a screen reader would otherwise talk without pause.
        var quarter = Math.floor(bar.value / 25);
        if (quarter !== announced && quarter < 4) {
          announced = quarter;
          say(data.textUploading.replace("{percent}", percent ? percent.format(quarter / 4) : (quarter * 25) + " %"));
        }
      });
      request.upload.addEventListener("load", function () { say(data.textUploaded); });
      request.addEventListener("load", function () {
        var target = request.responseURL || window.location.href;
        if (request.status === 400 && samePage(request)) {
          // Refused files or text, answered with this page and its messages at each field (the
          // answer to a request for documents): show it as it came, like the page without script.
          document.open();
          document.write(request.responseText);
          document.close();
        } else if (request.status < 200 || request.status >= 300) {
          // Refused (413: more than an application may have; or any other error): the page
          // stays as it is, with the server's reason, in the applicant's language.
          ready();
          var items = serverProblems(request);
          showProblems(items.length ? items :
            [{ anchor: null, text: data.textFailed.replace("{status}", request.status) }]);
        } else if (target.split("#")[0] === here || target === posted) {
          // This page again, or the page the form posted to (not sent on): with messages (for
          // example a refused file) or what was typed; show it as it came.
          document.open();
          document.write(request.responseText);
          document.close();
        } else {
          window.location.assign(target);
        }
      });
      function interrupted() {
        ready();
        showProblems([{ anchor: null, text: data.textInterrupted }]);
      }
      request.addEventListener("error", interrupted);
      request.addEventListener("timeout", interrupted);
      request.send(payload);
    });
  }
})();
