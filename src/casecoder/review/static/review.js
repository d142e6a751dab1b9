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
                 coded.length ? sh(coded[0]) : "CODE_ID", "TRANSCRIPTS", "--note 'WHY'", "--analyst YOU"];
    var prefix = s.getAttribute("data-p"), suffix = s.getAttribute("data-x");
    if (prefix) { parts.push("--prefix " + sh(prefix)); }
    if (suffix) { parts.push("--suffix " + sh(suffix)); }
    return parts.join(" ");
  }
  function select(s) {
    if (selected) { selected.classList.remove("sel"); }
    selected = s;
    s.classList.add("sel");
    showCorrections(s);
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

  // --- served by `casecoder review --serve`: correct the coding from the page ------------
  // The server adds a <meta name="casecoder-serve"> with the session's token, the analyst and
  // the codebook's codes. Each correction is POSTed as JSON with the token; the reply holds
  // the document's page, corrected, whose transcript and filter replace the ones shown.
  var serveMeta = document.querySelector('meta[name="casecoder-serve"]');
  var session = null;
  try { session = serveMeta ? JSON.parse(serveMeta.getAttribute("content")) : null; } catch (e) { session = null; }
  var cx = null;  // the correction panel's parts
  var words = null;  // words selected within the selected sentence: {quote, offset}
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { node.setAttribute(k, attrs[k]); } }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function machineCodings(s) {
    // the codes of the sentence the machine coded (status coded, source auto), from the chips
    var box = s.nextElementSibling;
    var chips = box && box.classList.contains("cs") ? box.querySelectorAll(".c") : [];
    var out = [];
    for (var i = 0; i < chips.length; i++) {
      var facts = chips[i].querySelectorAll(".facts");
      for (var j = 0; j < facts.length; j++) {
        var keys = facts[j].querySelectorAll(".k"), vals = facts[j].querySelectorAll(".v"), row = {};
        for (var n = 0; n < keys.length; n++) { row[keys[n].textContent] = vals[n] ? vals[n].textContent : ""; }
        if (row.status === "coded" && row.source === "auto") { out.push(chips[i].getAttribute("data-code")); break; }
      }
    }
    return out;
  }
  function selectedWords(s) {
    var sel = window.getSelection ? window.getSelection() : null;
    if (!sel || sel.isCollapsed || !sel.rangeCount) { return null; }
    var range = sel.getRangeAt(0);
    if (!s.contains(range.startContainer) || !s.contains(range.endContainer)) { return null; }
    var before = document.createRange();
    before.setStart(s, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var quote = range.toString();
    return quote.trim() ? {quote: quote, offset: before.toString().length} : null;
  }
  function say(text, bad, done) {
    cx.status.textContent = text;
    cx.status.className = bad ? "note err" : (done ? "note done" : "note");
    cx.status.setAttribute("role", bad ? "alert" : "status");
  }
  function send(action, code) {
    if (!selected) { say("Select a sentence first.", true); return; }
    var s = selected, w = words;
    var body = {action: action, document: docId, sentence: parseInt(s.id.slice(1), 10),
                quote: w ? w.quote : s.textContent, offset: w ? w.offset : 0, code: code, note: cx.note.value};
    say("Writing\u2026", false);
    fetch("/api/corrections", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-Casecoder-Token": session.token},
      body: JSON.stringify(body)
    }).then(function (reply) { return reply.json(); }).then(function (data) {
      if (!data.ok) { say((data.problems || ["refused"]).join("\n"), true); return; }
      var name = location.pathname.replace(/^\//, "");
      var page = data.pages[name];
      if (page) { refresh(page, s.id); }
      cx.note.value = "";
      say(data.message, false, true);
    }, function (err) { say("The server did not answer: " + err, true); });
  }
  function refresh(page, sid) {
    var fresh = new DOMParser().parseFromString(page, "text/html");
    var parts = [["transcript", transcript], ["filter", filter]];
    for (var i = 0; i < parts.length; i++) {
      var from = fresh.getElementById(parts[i][0]);
      if (from && parts[i][1]) {
        var nodes = [];
        for (var n = 0; n < from.childNodes.length; n++) { nodes.push(document.importNode(from.childNodes[n], true)); }
        parts[i][1].replaceChildren.apply(parts[i][1], nodes);
      }
    }
    var facts = fresh.querySelector("dl.facts"), here = main.querySelector("dl.facts");
    if (facts && here) { here.replaceWith(document.importNode(facts, true)); }
    hidden = {};
    sentences = transcript.querySelectorAll(".s");
    current = null; selected = null;
    var s = document.getElementById(sid);
    if (s) { rove(s, false); select(s); }
  }
  function showCorrections(s) {
    if (!cx) { return; }
    words = selectedWords(s);
    cx.target.textContent = words ? "Selected words: \u201c" + words.quote.trim() + "\u201d"
                                  : "Sentence " + s.id.slice(1) + ": \u201c" + s.textContent + "\u201d";
    cx.machine.replaceChildren();
    var codes = machineCodings(s);
    if (!codes.length) { cx.machine.appendChild(el("li", {}, "No machine coding here.")); }
    for (var i = 0; i < codes.length; i++) {
      var item = el("li", {}), code = codes[i];
      item.appendChild(el("code", {}, code));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("button", {type: "button", "data-act": "confirm", "data-code": code}, "Confirm"));
      item.appendChild(el("button", {type: "button", "data-act": "remove", "data-code": code}, "Remove"));
      cx.machine.appendChild(item);
    }
  }
  if (session && panel && main) {
    var box = el("section", {id: "correct", "aria-labelledby": "cx-h"});
    box.appendChild(el("h2", {id: "cx-h"}, "Correct the coding"));
    box.appendChild(el("p", {"class": "note"}, "As " + session.analyst + "; each correction is written at once to " +
                       session.file + ". A note is required: why, in the code frame's terms."));
    var target = el("p", {id: "cx-target"}, "Select a sentence, or words within one.");
    box.appendChild(target);
    box.appendChild(el("p", {}, "The machine's codings here:"));
    var machine = el("ul", {id: "cx-machine"});
    box.appendChild(machine);
    box.appendChild(el("label", {"for": "cx-code"}, "Add a code"));
    var pick = el("select", {id: "cx-code"});
    for (var c = 0; c < session.codes.length; c++) {
      pick.appendChild(el("option", {value: session.codes[c][0]}, session.codes[c][1] + " (" + session.codes[c][0] + ")"));
    }
    box.appendChild(pick);
    var addButton = el("button", {type: "button", id: "cx-add", "data-act": "add"}, "Add");
    box.appendChild(addButton);
    box.appendChild(el("label", {"for": "cx-note"}, "Note"));
    var note = el("textarea", {id: "cx-note", rows: "3"});
    box.appendChild(note);
    var cxStatus = el("p", {id: "cx-status", "class": "note", role: "status"});
    box.appendChild(cxStatus);
    panel.parentNode.insertBefore(box, panel);
    cx = {target: target, machine: machine, pick: pick, note: note, status: cxStatus};
    box.addEventListener("click", function (ev) {
      var button = ev.target.closest("button[data-act]");
      if (!button) { return; }
      var act = button.getAttribute("data-act");
      send(act, act === "add" ? pick.value : button.getAttribute("data-code"));
    });
  }

  function fromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var s = id ? document.getElementById(id) : null;
    if (s && s.classList.contains("s")) { rove(s, false); select(s); return true; }
    return false;
  }
  window.addEventListener("hashchange", fromHash);
  if (!fromHash() && sentences.length) { rove(sentences[0], false); }
})();
