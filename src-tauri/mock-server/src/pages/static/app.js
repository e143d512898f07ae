// SmartPush mock server: the little script the pages use (served as a file: the CSP forbids
// inline scripts). Everything works without it except copying to the clipboard and the
// automatic download after an export's verification.
"use strict";

(function () {
  // Copy buttons: data-copy="#id" copies the element's data-copy-text, else its text.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain HTTP on a non-loopback address is not a secure context: the old way.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.getAttribute("data-copy-text") || source.textContent.trim();
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    copyText(text).then(function () {
      button.textContent = "Copied";
      button.classList.add("copied");
      button.setAttribute("data-copied", "true");
      setTimeout(function () {
        button.textContent = label;
        button.classList.remove("copied");
      }, 2000);
    }, function () {
      button.textContent = "Copy failed: select and copy by hand";
    });
  });

  // Forms marked data-autosubmit are sent once the page is shown (the export download after a
  // step-up verification).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    if (!form.hasAttribute("data-submitted")) {
      form.setAttribute("data-submitted", "true");
      form.submit();
    }
  });

  // "Use recovery code" switches forms with CSS (:target); put the cursor in the shown one.
  function focusVisibleCode() {
    var target = location.hash ? document.querySelector(location.hash) : null;
    var input = target && target.querySelector("input[name=code]");
    if (input) { input.focus(); }
  }
  window.addEventListener("hashchange", focusVisibleCode);

  // Outbox: optional refresh while the tester waits for an e-mail.
  var auto = document.querySelector("[data-auto-refresh]");
  if (auto) {
    var key = "smartpush-outbox-refresh";
    auto.checked = sessionStorage.getItem(key) === "on";
    auto.addEventListener("change", function () {
      sessionStorage.setItem(key, auto.checked ? "on" : "off");
    });
    var seconds = parseInt(auto.getAttribute("data-auto-refresh"), 10) || 5;
    setInterval(function () {
      if (auto.checked && document.visibilityState === "visible") { location.reload(); }
    }, seconds * 1000);
  }
})();
