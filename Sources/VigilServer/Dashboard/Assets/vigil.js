// Vigil's dashboard script: live updates (Server-Sent Events), job progress, the report
// panel's status, and the revealed-image toggle. Plain DOM; every value from the server is
// written as text, never as markup, except the server's own rendered report panel.
"use strict";

(function () {
  const main = document.getElementById("main");

  // ---- confirmations before what cannot be undone ----
  // A form with data-confirm asks first; Cancel leaves the page as it is. (Without the script, the
  // form still works: the server checks everything it would check anyway.)
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const question = form && form.dataset ? form.dataset.confirm : null;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // ---- keyboard: the common decisions, as listed on the page ----
  // A key moves the focus to the first control marked data-key with it; Enter then presses it
  // (a decision is never taken by one stray key). Never while typing, nor with a modifier held.
  document.addEventListener("keydown", function (event) {
    if (event.repeat || event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].indexOf(target.tagName) >= 0)) return;
    const control = document.querySelector('[data-key="' + event.key.toLowerCase().replace(/[^a-z]/g, "") + '"]');
    if (!control) return;
    event.preventDefault();
    control.focus();
  });

  // ---- the queue: one box chooses every case shown for a bulk decision ----
  const pickAll = document.querySelector("[data-pick-all]");
  if (pickAll) {
    pickAll.addEventListener("change", function () {
      document.querySelectorAll('input[name="case"][form="bulk"]').forEach(function (box) { box.checked = pickAll.checked; });
    });
  }

  // ---- live: a badge and new rows without a reload ----
  let unseen = 0;
  function bump() {
    const badge = document.getElementById("live-badge");
    const count = document.getElementById("live-count");
    if (!badge || !count) return;
    unseen += 1;
    count.textContent = String(unseen);
    badge.hidden = false;
  }

  function cell(row, text, link, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    row.appendChild(td);
  }

  // Whether a new case belongs in the list as filtered: a live row never shows what the
  // filters leave out (an urgent case in a priority=low view), nor lands on an older page.
  function fitsFilters(filter, data) {
    if (filter.paged) return false;
    if (filter.priority && data.priority !== filter.priority) return false;
    if (filter.queue && data.queue !== filter.queue) return false;
    if (filter.assignee === "none" ? !!data.assignee : (filter.assignee && data.assignee !== filter.assignee)) return false;
    if (filter.status && filter.status !== "open" && filter.status !== "all" && data.status !== filter.status) return false;
    return true;
  }

  function addCaseRow(data) {
    const table = document.getElementById("case-queue");
    if (!table || data.case_id === undefined) return;
    if (!fitsFilters(table.dataset, data)) return;
    const body = table.tBodies[0];
    const id = String(data.case_id);
    if (document.getElementById("case-row-" + id)) return;
    const row = document.createElement("tr");
    row.id = "case-row-" + id;
    row.className = "new";
    if (table.dataset.pick) {
      // A new case can be ticked for a bulk decision like the others (it is at its first version).
      const pick = document.createElement("td");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = "case";
      box.setAttribute("form", "bulk");
      box.value = id + ":" + String(data.version || 1);
      box.setAttribute("aria-label", "Choose case " + id);
      pick.appendChild(box);
      row.appendChild(pick);
    }
    cell(row, "#" + id, "/cases/" + encodeURIComponent(id));
    cell(row, data.title || "");
    const status = document.createElement("td");
    const pill = document.createElement("span");
    pill.className = "pill pill-open";
    pill.textContent = (data.status || "").replace(/_/g, " ");
    status.appendChild(pill);
    row.appendChild(status);
    cell(row, data.priority || "", null, "priority");
    cell(row, data.queue || "");
    cell(row, "");
    cell(row, "—");
    cell(row, data.assignee || "—");
    cell(row, "just now");
    body.insertBefore(row, body.firstChild);
    const empty = document.getElementById("no-cases");
    if (empty) empty.hidden = true;
  }

  const caseMeta = document.getElementById("case-meta");
  const thisCase = caseMeta ? caseMeta.dataset.case : null;

  function caseChanged(data) {
    if (!thisCase || data.subject !== "case:" + thisCase) return;
    let note = document.getElementById("case-changed");
    if (!note) {
      note = document.createElement("p");
      note.id = "case-changed";
      note.className = "notice";
      note.setAttribute("role", "status");
      const link = document.createElement("a");
      link.href = window.location.pathname;
      link.textContent = "This case changed (" + (data.type || "update") + "): reload to see it.";
      note.appendChild(link);
      caseMeta.parentNode.insertBefore(note, caseMeta.nextSibling);
    }
  }

  // Browsers allow six connections to a host over HTTP/1.1, and a page kept in the back/forward
  // cache keeps its stream open: so the stream is closed whenever the page is hidden and opened
  // again when it is shown.
  let source = null;
  const handle = function (event) {
    let data = {};
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data.type === "case.created" || data.type === "match.found") bump();
    if (data.type === "case.created") addCaseRow(data);
    if (data.type && data.type.indexOf("case.") === 0) caseChanged(data);
    if (data.type && data.type.indexOf("report.") === 0) refreshReport();
  };
  function openStream() {
    if (!main || !main.dataset.live || !window.EventSource || source) return;
    source = new EventSource(main.dataset.live);
    // Marks the page once the stream is open (tests wait on it; a person sees nothing).
    source.addEventListener("open", function () { main.dataset.liveState = "open"; });
    ["case.created", "case.status-updated", "case.updated", "case.escalated", "case.assigned", "case.commented",
     "case.evidence-added", "case.account-linked", "match.found", "report.drafted", "report.approved", "report.failed",
     "report.retracted", "report.submitted"].forEach(function (type) { source.addEventListener(type, handle); });
  }
  function closeStream() {
    if (source) { source.close(); source = null; }
    if (main) delete main.dataset.liveState;
  }
  window.addEventListener("pagehide", closeStream);
  window.addEventListener("pageshow", openStream);
  openStream();

  // ---- the report panel follows its report while it is being sent ----
  const panel = document.getElementById("report-panel");
  let refreshing = false;
  function refreshReport() {
    if (!panel || refreshing) return;
    refreshing = true;
    fetch("/cases/" + encodeURIComponent(panel.dataset.case) + "?fragment=report", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // The fragment is the server's own rendering of the panel (escaped by its templates).
        if (html !== null) panel.innerHTML = html;
      })
      .finally(function () { refreshing = false; });
  }
  if (panel) {
    window.setInterval(function () {
      if (panel.querySelector("[data-report-live]")) refreshReport();
    }, 1000);
  }

  // ---- job progress ----
  const job = document.getElementById("job");
  if (job && job.dataset.finished !== "true") {
    const timer = window.setInterval(function () {
      fetch("/jobs/" + encodeURIComponent(job.dataset.job) + "/progress", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) return;
          document.getElementById("job-state").textContent = state.state;
          const progress = state.progress || {};
          const result = state.result || {};
          const summary = result.summary || progress.summary || result;
          if (typeof progress.fraction === "number") document.getElementById("job-progress").value = Math.round(progress.fraction * 100);
          const list = document.getElementById("job-summary");
          list.textContent = "";
          Object.keys(summary).sort().forEach(function (key) {
            if (typeof summary[key] !== "number") return;
            const dt = document.createElement("dt");
            dt.textContent = key.replace(/_/g, " ");
            const dd = document.createElement("dd");
            dd.textContent = String(summary[key]);
            list.appendChild(dt);
            list.appendChild(dd);
          });
          if (state.error) {
            const error = document.getElementById("job-error");
            error.textContent = state.error;
            error.hidden = false;
          }
          if (["succeeded", "failed", "cancelled"].indexOf(state.state) >= 0) {
            if (state.state === "succeeded") document.getElementById("job-progress").value = 100;
            job.dataset.finished = "true";
            window.clearInterval(timer);
          }
        });
    }, 500);
  }

  // ---- a revealed image is shown clearly; pressing it veils it again (to look away), and back ----
  document.querySelectorAll("[data-toggle-veil]").forEach(function (image) {
    const toggle = function () {
      if (image.dataset.reblurred) return;  // the original has left the page
      const veiled = image.classList.toggle("veiled");
      image.setAttribute("aria-pressed", veiled ? "true" : "false");
    };
    image.addEventListener("click", toggle);
    // A revealed image blurs again by itself (a reveal not hidden counts this long). Leaving the
    // page while it is clear tells the server when it was hidden, so the time counted is measured.
    const seconds = parseInt(image.dataset.reblurSeconds || "0", 10);
    const hideForm = image.parentElement && image.parentElement.querySelector("form[data-hide-reveal]");
    const leave = function () {
      if (image.dataset.reblurred || !hideForm || !navigator.sendBeacon) return;
      image.dataset.reblurred = "true";
      const fields = new URLSearchParams(new FormData(hideForm));
      fields.append("beacon", "1");
      navigator.sendBeacon(hideForm.action, fields);
    };
    window.addEventListener("pagehide", leave);
    // Hide itself ends the reveal: the page leaving after it has nothing more to say.
    if (hideForm) hideForm.addEventListener("submit", function () { image.dataset.reblurred = "true"; });
    if (seconds > 0) {
      setTimeout(function () {
        // The original leaves the page: the preview takes its place, and pressing it shows nothing more.
        image.src = image.dataset.preview;
        image.classList.remove("revealed");
        image.classList.add("veiled");
        image.removeEventListener("click", toggle);
        image.setAttribute("aria-pressed", "true");
        image.dataset.reblurred = "true";
      }, seconds * 1000);
    }
    image.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
    });
  });
})();
