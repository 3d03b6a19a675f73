// The review page's keyboard shortcuts: j/k next/previous item, c confirms, o goes to the
// override field. Each is also a button or a link on the page; none acts while typing.
(function () {
  "use strict";
  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var link;
    switch (event.key) {
      case "j":
        link = document.getElementById("next-item");
        if (link) { event.preventDefault(); window.location.assign(link.href); }
        break;
      case "k":
        link = document.getElementById("prev-item");
        if (link) { event.preventDefault(); window.location.assign(link.href); }
        break;
      case "c":
        var form = document.getElementById("confirm-form");
        if (form) { event.preventDefault(); form.requestSubmit(document.getElementById("confirm-button")); }
        break;
      case "o":
        var field = document.getElementById("id_new_score");
        if (field) { event.preventDefault(); field.focus(); }
        break;
    }
  });
})();
