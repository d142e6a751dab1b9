/* casecoder review: the code filter and the override entry on a document page.
 * Everything works from the file system; nothing is fetched. Without JavaScript the page still
 * shows every highlight and coding (a chip shows its codings on hover or focus, by CSS); the controls that need
 * it stay hidden. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var transcript = document.getElementById("transcript");
  if (!main || !transcript) { return; }
  var docId = main.getAttribute("data-doc") || "";
  var hidden = {};  // code key -> true while its highlights are switched off

  // --- the code filter ------------------------------------------------------------------
  function refreshHighlights() {
    var coded = transcript.querySelectorAll(".s[data-c]");
    for (var i = 0; i < coded.length; i++) {
      var keys = coded[i].getAttribute("data-c").split(" ");
      var on = false;
      for (var j = 0; j < keys.length; j++) { if (!hidden[keys[j]]) { on = true; break; } }
      coded[i].classList.toggle("hl", on);
    }
  }
  function setCode(key, shown) {
    if (shown) { delete hidden[key]; } else { hidden[key] = true; }
    var chips = transcript.querySelectorAll(".c.k" + key);
    for (var i = 0; i < chips.length; i++) { chips[i].hidden = !shown; }
  }
  var filter = document.getElementById("filter");
  if (filter) {
    filter.hidden = false;
    filter.addEventListener("change", function (ev) {
      var box = ev.target;
      if (!box.hasAttribute("data-k")) { return; }
      setCode(box.getAttribute("data-k"), box.checked);
      refreshHighlights();
    });
    filter.addEventListener("click", function (ev) {
      var button = ev.target.closest("button[data-all]");
      if (!button) { return; }
      var shown = button.getAttribute("data-all") === "1";
      var boxes = filter.querySelectorAll("input[data-k]");
      for (var i = 0; i < boxes.length; i++) {
        boxes[i].checked = shown;
        setCode(boxes[i].getAttribute("data-k"), shown);
      }
      refreshHighlights();
    });
  }

  // --- sentences: one tab stop, arrow keys move between them (a roving tabindex) ---------
  var sentences = transcript.querySelectorAll(".s");
  var current = null;
  function rove(s, focus) {
    if (current) { current.tabIndex = -1; }
    current = s;
    s.tabIndex = 0;
    if (focus) { s.focus(); }
  }
  function indexOf(s) { return Array.prototype.indexOf.call(sentences, s); }

  // --- the override entry, in the shape casecoder.overrides reads (one analyst's file) ----
  // Strings are JSON-quoted: a JSON string is a valid YAML double-quoted scalar.
  var panel = document.getElementById("override");
  var out = document.getElementById("ov-text");
  var cmd = document.getElementById("ov-cmd");
  var status = document.getElementById("ov-status");
  var selected = null;
  function q(text) { return JSON.stringify(text); }
  function sh(text) { return "'" + text.replace(/'/g, "'\\''") + "'"; }
  function codedOn(s) {
    var box = s.nextElementSibling;
    var chips = box && box.classList.contains("cs") ? box.querySelectorAll(".c") : [];
    var coded = [];
    for (var i = 0; i < chips.length; i++) {
      if (!chips[i].classList.contains("x")) { coded.push(chips[i].getAttribute("data-code")); }
    }
    return coded;
  }
  function entryFor(s) {
    var coded = codedOn(s);
    var action = coded.length ? "remove" : "add";
    var lines = ["- action: " + action + (coded.length ? "  # or add, with another code" : "")];
    lines.push("  document: " + q(docId));
    if (coded.length) {
      lines.push("  code: " + q(coded[0]) + (coded.length > 1 ? "  # also coded: " + coded.slice(1).join(", ") : ""));
    } else {
      lines.push("  code: \"CODE_ID\"  # a code id of the codebook");
    }
    lines.push("  quote: " + q(s.textContent));
    var prefix = s.getAttribute("data-p"), suffix = s.getAttribute("data-x");
    if (prefix) { lines.push("  prefix: " + q(prefix)); }
    if (suffix) { lines.push("  suffix: " + q(suffix)); }
    lines.push("  note: \"\"  # required: why, in the code frame's terms");
    return lines.join("\n") + "\n";
  }
  function commandFor(s) {
    var coded = codedOn(s);
    var parts = ["casecoder override", coded.length ? "remove" : "add", sh(docId), sh(s.textContent),
                 coded.length ? sh(coded[0]) : "CODE_ID", "--note 'WHY'", "--analyst YOU"];
    var prefix = s.getAttribute("data-p"), suffix = s.getAttribute("data-x");
    if (prefix) { parts.push("--prefix " + sh(prefix)); }
    if (suffix) { parts.push("--suffix " + sh(suffix)); }
    return parts.join(" ");
  }
  function select(s) {
    if (selected) { selected.classList.remove("sel"); }
    selected = s;
    s.classList.add("sel");
    if (out) {
      out.value = entryFor(s);
      if (cmd) { cmd.value = commandFor(s); }
      if (status) { status.textContent = "Entry for sentence " + s.id.slice(1) + "."; }
    }
  }
  if (panel) {
    panel.hidden = false;
    panel.addEventListener("click", function (ev) {
      var button = ev.target.closest("button[data-copy]");
      if (!button) { return; }
      var out = document.getElementById(button.getAttribute("data-copy"));
      if (!out.value) { status.textContent = "Select a sentence first."; return; }
      var done = function () { status.textContent = "Copied to the clipboard."; };
      var fallback = function () {
        out.focus(); out.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        status.textContent = ok ? "Copied to the clipboard." : "Selected: press Ctrl+C (or \u2318C) to copy.";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(out.value).then(done, fallback);
      } else { fallback(); }
    });
  }

  transcript.addEventListener("click", function (ev) {
    var s = ev.target.closest(".s");
    if (!s) { return; }
    rove(s, false);
    select(s);
  });
  transcript.addEventListener("keydown", function (ev) {
    var s = ev.target;
    if (ev.key === "Escape" && s.classList && s.classList.contains("c")) { s.blur(); return; }
    if (!s.classList || !s.classList.contains("s")) { return; }
    var i = indexOf(s), next = null;
    if (ev.key === "ArrowDown" || ev.key === "ArrowRight") { next = sentences[i + 1]; }
    else if (ev.key === "ArrowUp" || ev.key === "ArrowLeft") { next = sentences[i - 1]; }
    else if (ev.key === "Home") { next = sentences[0]; }
    else if (ev.key === "End") { next = sentences[sentences.length - 1]; }
    else if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(s); return; }
    else { return; }
    ev.preventDefault();
    if (next) { rove(next, true); }
  });

  function fromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var s = id ? document.getElementById(id) : null;
    if (s && s.classList.contains("s")) { rove(s, false); select(s); return true; }
    return false;
  }
  window.addEventListener("hashchange", fromHash);
  if (!fromHash() && sentences.length) { rove(sentences[0], false); }
})();
