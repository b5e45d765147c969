"use strict";
// A sync run on one time axis (trace_sync_run): rapid_bridge, webhook and cron rows as lanes, pages with their
// record counts, the rate-limit pause, where the run stopped, failed deliveries marked. For list_sync_runs:
// a strip of the window's runs, each from its start to its end, coloured by outcome.
TrutoView.start(function (result) {
  var el = TrutoView.el, svg = TrutoView.svg;
  var data = result.structuredContent || {};
  if (result.isError) { document.body.appendChild(el("p", "note", "The tool answered an error.")); return; }
  var tip = TrutoView.tooltip();
  var LANE_NAMES = { rapid_bridge: "run", webhook: "webhook", sync_job_cron_trigger: "cron" };
  var OUTCOME = { completed: "var(--good)", failed: "var(--bad)", stuck: "var(--warn)", running: "var(--accent)" };
  if (Array.isArray(data.runs)) runsStrip(); else trace();

  function isPage(e) {
    // A page of records; a completed or failed event's count is the run's total, not a page.
    return e.source === "rapid_bridge" && e.num_records !== null && e.num_records !== undefined &&
      e.event !== "completed" && e.event !== "failed";
  }
  function ms(iso) { var t = Date.parse(iso); return isNaN(t) ? null : t; }
  function chartBox(height) {
    var width = Math.max(280, Math.floor(document.body.clientWidth - 24));
    return { width: width, height: height, root: svg("svg", { class: "chart", width: width, height: height, viewBox: "0 0 " + width + " " + height }) };
  }
  function text(root, x, y, value, anchor, className) {
    var node = svg("text", { x: x, y: y, "text-anchor": anchor || "start" });
    if (className) node.setAttribute("class", className);
    node.textContent = String(value);
    root.appendChild(node);
    return node;
  }
  function hover(node, lines) {
    var native = svg("title");
    native.textContent = lines.join("\n");
    node.appendChild(native);
    node.addEventListener("mousemove", function (event) { tip.show(event, lines); });
    node.addEventListener("mouseleave", tip.hide);
  }

  function trace() {
    var COLUMNS = ["time", "source", "event", "status", "resource", "num_records", "note", "error", "ref"];
    var entries = (data.timeline || []).map(function (row) {
      var entry = {};
      COLUMNS.forEach(function (name, i) { entry[name] = row[i]; });
      entry.at = ms(entry.time);
      return entry;
    });
    var timed = entries.filter(function (e) { return e.at !== null; });
    document.body.appendChild(el("h1", "", "Sync run " + (data.sync_job_run_id || "")));
    var outcome = el("span", data.outcome === "completed" ? "good" : data.outcome === "failed" ? "bad" : "warn", data.outcome || "?");
    var sub = el("div", "sub");
    sub.appendChild(outcome);
    sub.appendChild(document.createTextNode(" · " + (data.integration || "") + " · " + (data.records || 0) + " records · " +
      (data.duration_seconds !== null && data.duration_seconds !== undefined ? data.duration_seconds + " s" : "")));
    document.body.appendChild(sub);
    if (data.diagnosis && data.diagnosis.summary) document.body.appendChild(el("div", "note", data.diagnosis.summary));
    var lanes = ["rapid_bridge", "webhook", "sync_job_cron_trigger"];
    var names = LANE_NAMES;
    var stopAt = data.outcome === "completed" ? null : ms(data.ended_at || data.last_event_at);
    var times = timed.map(function (e) { return e.at; });
    if (stopAt !== null) times.push(stopAt);
    if (!times.length) { document.body.appendChild(el("p", "note", "No timed rows in this run's timeline.")); table(entries); return; }
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    if (t1 === t0) t1 = t0 + 1000;
    var box = chartBox(44 * lanes.length + 56);
    var root = box.root, left = 66, right = box.width - 12, top = 22, laneH = 44;
    function x(t) { return left + ((t - t0) / (t1 - t0)) * (right - left); }
    lanes.forEach(function (lane, i) {
      var y = top + i * laneH + laneH / 2;
      root.appendChild(svg("line", { class: "axis", x1: left, y1: y, x2: right, y2: y }));
      text(root, 4, y + 3, names[lane]);
    });
    // A rate-limit pause: from a rate_limited event (or a run of them) to the run's next other event.
    var runEvents = timed.filter(function (e) { return e.source === "rapid_bridge"; });
    runEvents.forEach(function (e, i) {
      if (e.event !== "rate_limited" || (i > 0 && runEvents[i - 1].event === "rate_limited")) return;
      var j = i;
      while (j < runEvents.length && runEvents[j].event === "rate_limited") j++;
      var next = runEvents[j];
      var end = next ? next.at : runEvents[j - 1].at;
      var y = top + laneH / 2;
      var pause = svg("rect", { class: "pause", x: x(e.at), y: y - 12, width: Math.max(3, x(end) - x(e.at)), height: 24, fill: "var(--warn)", opacity: 0.25 });
      hover(pause, ["rate-limit pause (" + (j - i) + " rate_limited events)", TrutoView.time(e.time) + (next ? " → " + TrutoView.time(next.time) : ""), e.note || ""]);
      root.appendChild(pause);
      text(root, x(e.at) + 2, y - 14, "rate limit", "start", "warn");
    });
    var lastLabel = -Infinity;
    timed.forEach(function (e) {
      var lane = lanes.indexOf(e.source);
      if (lane < 0) return;
      var y = top + lane * laneH + laneH / 2;
      var color = e.is_error || e.error ? "var(--bad)" : e.source === "webhook" ? "var(--accent)" : "var(--fg)";
      var mark;
      if (isPage(e)) {
        mark = svg("rect", { class: "page", x: x(e.at) - 3, y: y - 9, width: 6, height: 18, fill: "var(--accent)", "data-records": e.num_records });
        if (x(e.at) - lastLabel > 22) { text(root, x(e.at), y + 20, e.num_records, "middle"); lastLabel = x(e.at); }
      } else if (e.source === "webhook" && e.error) {
        mark = svg("path", { class: "failed-delivery", d: "M" + (x(e.at) - 5) + " " + (y - 5) + "l10 10m0 -10l-10 10", stroke: "var(--bad)", "stroke-width": 2.5 });
      } else {
        mark = svg("circle", { class: "event", cx: x(e.at), cy: y, r: 4, fill: color });
      }
      hover(mark, [TrutoView.time(e.time), [e.source, e.event, e.status].filter(Boolean).join(" · "), e.resource || "",
        e.num_records !== null && e.num_records !== undefined ? e.num_records + " records" : "", e.error || e.note || "", e.ref ? "ref " + e.ref : ""].filter(Boolean));
      root.appendChild(mark);
    });
    if (stopAt !== null) {
      var stop = svg("g", { class: "stop", "data-time": data.ended_at || data.last_event_at || "" });
      stop.appendChild(svg("line", { x1: x(stopAt), y1: 12, x2: x(stopAt), y2: box.height - 22, stroke: "var(--bad)", "stroke-width": 2, "stroke-dasharray": "4 3" }));
      var where = [data.outcome, data.last_event, data.last_resource].filter(Boolean).join(" · ");
      text(stop, x(stopAt) > box.width / 2 ? x(stopAt) - 4 : x(stopAt) + 4, 10, "stopped: " + where, x(stopAt) > box.width / 2 ? "end" : "start", "bad");
      hover(stop, ["stopped " + TrutoView.time(data.ended_at || data.last_event_at), where]);
      root.appendChild(stop);
    }
    text(root, left, box.height - 6, TrutoView.time(new Date(t0).toISOString()).slice(5));
    text(root, right, box.height - 6, TrutoView.time(new Date(t1).toISOString()).slice(5), "end");
    document.body.appendChild(root);
    var deliveries = data.webhook_deliveries || {};
    var failed = entries.filter(function (e) { return e.source === "webhook" && e.error; }).length;
    document.body.appendChild(el("div", "note", "Webhook deliveries: " + (deliveries.count || 0) + ", accepted " + (deliveries.accepted || 0) +
      (failed ? ", failed " + failed + " (marked ✕)" : "") + (data.timeline_omitted ? " · " + data.timeline_omitted + " timeline rows not shown" : "")));
    table(entries);
  }

  function table(entries) {
    var panel = el("div", "panel");
    var t = el("table");
    var head = el("tr");
    ["time", "log", "event", "rec.", "note", "ref"].forEach(function (name) { head.appendChild(el("th", "", name)); });
    t.appendChild(head);
    entries.forEach(function (e) {
      var row = el("tr");
      row.appendChild(el("td", "nowrap", TrutoView.time(e.time).slice(11)));
      row.appendChild(el("td", "", LANE_NAMES[e.source] || e.source));
      row.appendChild(el("td", e.error ? "bad" : "", [e.event, e.status, e.resource].filter(Boolean).join(" · ")));
      row.appendChild(el("td", "num", e.num_records === null || e.num_records === undefined ? "" : e.num_records));
      row.appendChild(el("td", e.error ? "bad" : "", e.error || e.note || ""));
      row.appendChild(el("td", "ref nowrap", e.ref || ""));
      t.appendChild(row);
    });
    panel.appendChild(t);
    document.body.appendChild(panel);
  }

  function runsStrip() {
    var runs = data.runs;
    document.body.appendChild(el("h1", "", "Sync runs"));
    var totals = data.totals || {};
    document.body.appendChild(el("div", "sub", (data.window || "") + " · " + Object.keys(totals).map(function (k) { return k + " " + totals[k]; }).join(", ")));
    var parts = String(data.window || "").split("/");
    var t0 = ms(parts[0]), t1 = ms(parts[1]);
    runs.forEach(function (r) {
      var s = ms(r.started_at), e = ms(r.ended_at || r.last_event_at);
      if (s !== null) { t0 = t0 === null ? s : Math.min(t0, s); t1 = t1 === null ? s : Math.max(t1, s); }
      if (e !== null) t1 = t1 === null ? e : Math.max(t1, e);
    });
    if (t0 === null || t1 === null || !runs.length) { document.body.appendChild(el("p", "note", "No runs in this window.")); return; }
    if (t1 === t0) t1 = t0 + 1000;
    var rowH = 18;
    var box = chartBox(rowH * runs.length + 30);
    var root = box.root, left = 110, right = box.width - 8;
    function x(t) { return left + ((t - t0) / (t1 - t0)) * (right - left); }
    runs.forEach(function (r, i) {
      var y = 4 + i * rowH;
      text(root, 2, y + 12, (r.integration || "?") + " " + String(r.sync_job_run_id || "").slice(0, 8));
      var s = ms(r.started_at), e = ms(r.ended_at || r.last_event_at);
      if (s === null) return;
      var bar = svg("rect", { class: "run", x: x(s), y: y + 3, width: Math.max(4, x(e === null ? s : e) - x(s)), height: rowH - 6,
        fill: OUTCOME[r.outcome] || "var(--muted)", "data-outcome": r.outcome, rx: 2 });
      hover(bar, [String(r.sync_job_run_id || ""), (r.outcome || "") + " · " + (r.records || 0) + " records", TrutoView.time(r.started_at),
        r.first_error || "", r.undelivered_to && r.undelivered_to.length ? "undelivered: " + r.undelivered_to.join(", ") : ""].filter(Boolean));
      root.appendChild(bar);
      if (r.undelivered_to && r.undelivered_to.length) text(root, Math.min(right, x(s) + 6), y + 12, "✕", "start", "bad");
    });
    text(root, left, box.height - 4, TrutoView.time(new Date(t0).toISOString()).slice(5, 16));
    text(root, right, box.height - 4, TrutoView.time(new Date(t1).toISOString()).slice(5, 16), "end");
    document.body.appendChild(root);
    var panel = el("div", "panel");
    var t = el("table");
    var head = el("tr");
    ["run", "outcome", "records", "first error"].forEach(function (name) { head.appendChild(el("th", "", name)); });
    t.appendChild(head);
    runs.forEach(function (r) {
      var row = el("tr");
      row.appendChild(el("td", "ref", r.sync_job_run_id));
      row.appendChild(el("td", r.outcome === "failed" ? "bad" : r.outcome === "completed" ? "good" : "warn", r.outcome));
      row.appendChild(el("td", "num", r.records));
      row.appendChild(el("td", "", r.first_error || ""));
      t.appendChild(row);
    });
    panel.appendChild(t);
    document.body.appendChild(panel);
  }
});
