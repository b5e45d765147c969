"use strict";
// The error timeline of summarize_errors and log_stats: errors per time bucket stacked by group, the previous
// window faint behind (log_stats compare_previous), hover for counts, click a bar for its groups and refs.
// The bars come from the app-only tool error_timeline (the handle is in the result's _meta, not in the text).
TrutoView.start(function (result, api) {
  var el = TrutoView.el, svg = TrutoView.svg;
  var data = result.structuredContent || {};
  var PALETTE = ["#0969da", "#cf222e", "#8250df", "#bf8700", "#1a7f37", "#e16f24", "#1b7c83", "#bf3989"];
  var OTHER = "#8c959f";
  var isStats = typeof data.log_type === "string" && data.total;
  var title = isStats ? "Errors over time: " + data.log_type : "Errors over time by cause";
  document.body.appendChild(el("h1", "", title));
  var errors = isStats ? data.total.errors : data.errors;
  var rows = isStats ? data.total.count : data.rows_scanned;
  document.body.appendChild(el("div", "sub", (data.window || "") + " · " + errors + " errors of " + rows + " rows"));
  partialNote();
  var chart = el("div");
  document.body.appendChild(chart);
  var panel = el("div", "panel");
  panel.appendChild(el("div", "note", "Click a bar to see its groups and refs."));
  document.body.appendChild(panel);
  if (result.isError) { chart.appendChild(el("p", "note", "The tool answered an error.")); return; }
  var meta = (result._meta || {})["truto-log-mcp/view"] || {};
  if (!meta.timeline) { fallback(); return; }
  chart.appendChild(el("p", "note", "Loading the timeline…"));
  api.callTool("error_timeline", { timeline: meta.timeline }).then(function (answer) {
    chart.textContent = "";
    if (!answer || answer.isError || !answer.structuredContent) {
      chart.appendChild(el("p", "note", textOf(answer) || "The timeline is not available."));
      return;
    }
    draw(answer.structuredContent);
  }, function (error) { chart.textContent = ""; chart.appendChild(el("p", "note", "The timeline is not available: " + error.message)); });

  function partialNote() {
    // A read that stopped early (a budget, a failed sub-window, the deadline) draws its unread buckets as
    // zero errors: say so above the bars, as the text answer does.
    var partial = (data.coverage || []).filter(function (c) { return c && c.complete === false; });
    if (!partial.length) return;
    var gaps = [];
    partial.forEach(function (c) { (c.unread || []).forEach(function (u) { gaps.push(c.log_type + " " + u); }); });
    var said = gaps.length ? gaps.slice(0, 3).join("; ") + (gaps.length > 3 ? "; +" + (gaps.length - 3) + " more" : "")
      : partial.map(function (c) { return c.log_type + " stopped by " + c.stopped_by; }).join("; ");
    document.body.appendChild(el("div", "sub warn partial",
      "Partial: not every row was read (not read: " + said + "); bars there may show fewer errors than there were."));
  }
  function textOf(answer) {
    var blocks = (answer && answer.content) || [];
    return blocks.filter(function (b) { return b.type === "text"; }).map(function (b) { return b.text; }).join(" ");
  }
  function fallback() {
    // No kept timeline (a client without the app tool): log_stats' own buckets still give errors over time.
    if (isStats && data.buckets && data.buckets.length) {
      draw({ window: data.window, labels: ["errors"], group_by: "errors", untimed: 0, buckets: data.buckets.map(function (b) {
        return { start: b.start, errors: b.errors, groups: b.errors ? [{ label: "errors", count: b.errors, refs: [] }] : [] };
      }), bucket_seconds: 0 });
    } else {
      chart.appendChild(el("p", "note", "No timeline came with this result."));
    }
  }
  function colorOf(labels) {
    var colors = {};
    labels.forEach(function (label, i) { colors[label] = label === "(other)" ? OTHER : PALETTE[i % PALETTE.length]; });
    return colors;
  }
  function draw(timeline) {
    var labels = timeline.labels || [];
    var colors = colorOf(labels);
    var buckets = timeline.buckets || [];
    var previous = timeline.previous || null;
    var width = Math.max(280, Math.floor(document.body.clientWidth - 24));
    var height = 190, left = 34, bottom = 22, top = 8;
    var plotW = width - left - 4, plotH = height - top - bottom;
    var max = 1;
    buckets.forEach(function (b, i) { max = Math.max(max, b.errors, previous && previous[i] ? previous[i] : 0); });
    var step = plotW / Math.max(1, buckets.length);
    var barW = Math.max(1, step * 0.8);
    var root = svg("svg", { class: "chart", width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img" });
    root.setAttribute("aria-label", "Errors per bucket");
    root.appendChild(svg("line", { class: "axis", x1: left, y1: top + plotH, x2: width - 4, y2: top + plotH }));
    [0, max].forEach(function (value) {
      var label = svg("text", { x: left - 4, y: top + plotH - (value / max) * plotH + 3, "text-anchor": "end" });
      label.textContent = String(value);
      root.appendChild(label);
    });
    var tip = TrutoView.tooltip();
    buckets.forEach(function (bucket, i) {
      var x = left + i * step + (step - barW) / 2;
      var group = svg("g", { class: "bar", tabindex: 0, "data-start": bucket.start, "data-errors": bucket.errors });
      var hit = svg("rect", { x: left + i * step, y: top, width: step, height: plotH, fill: "transparent" });
      group.appendChild(hit);
      if (previous && previous[i]) {
        var ph = (previous[i] / max) * plotH;
        group.appendChild(svg("rect", { class: "previous", x: x, y: top + plotH - ph, width: barW, height: ph, fill: "var(--faint)" }));
      }
      var y = top + plotH;
      var cells = bucket.groups || [];
      labels.forEach(function (label) {
        cells.filter(function (c) { return c.label === label; }).forEach(function (cell) {
          var h = (cell.count / max) * plotH;
          y -= h;
          group.appendChild(svg("rect", { class: "segment", x: x, y: y, width: barW, height: h, fill: colors[label], "data-label": label, "data-count": cell.count }));
        });
      });
      var lines = [TrutoView.time(bucket.start), bucket.errors + " errors"];
      if (previous) lines.push("previous window: " + (previous[i] || 0));
      cells.forEach(function (c) { lines.push(c.label + ": " + c.count); });
      var native = svg("title");
      native.textContent = lines.join("\n");
      group.appendChild(native);
      group.addEventListener("mousemove", function (event) { tip.show(event, lines); });
      group.addEventListener("mouseleave", tip.hide);
      group.addEventListener("click", function () { details(bucket, colors); });
      group.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") details(bucket, colors); });
      root.appendChild(group);
    });
    var ticks = buckets.length > 1 ? [0, Math.floor((buckets.length - 1) / 2), buckets.length - 1] : [0];
    ticks.forEach(function (i, n) {
      if (!buckets[i]) return;
      var anchor = n === 0 ? "start" : n === ticks.length - 1 ? "end" : "middle";
      var x = n === 0 ? left : n === ticks.length - 1 ? width - 4 : left + (i + 0.5) * step;
      var tick = svg("text", { x: x, y: height - 6, "text-anchor": anchor });
      tick.textContent = TrutoView.time(buckets[i].start).slice(5, 16);
      root.appendChild(tick);
    });
    chart.appendChild(root);
    var legend = el("div", "legend");
    labels.forEach(function (label) {
      var item = el("span");
      var swatch = el("span", "swatch");
      swatch.style.background = colors[label];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(label));
      legend.appendChild(item);
    });
    if (previous) {
      var prev = el("span");
      var faint = el("span", "swatch");
      faint.style.background = "var(--faint)";
      prev.appendChild(faint);
      prev.appendChild(document.createTextNode("previous window (" + (timeline.previous_window || "") + ")"));
      legend.appendChild(prev);
    }
    chart.appendChild(legend);
    var size = timeline.bucket_seconds ? " · bars of " + Math.round(timeline.bucket_seconds / 60) + " min" : "";
    var untimed = timeline.untimed ? " · " + timeline.untimed + " errors without a time in the window" : "";
    chart.appendChild(el("div", "note", "Stacked by " + (timeline.group_by || "group") + size + untimed));
  }
  function details(bucket, colors) {
    panel.textContent = "";
    panel.appendChild(el("h2", "", TrutoView.time(bucket.start) + ": " + bucket.errors + " errors"));
    var table = el("table");
    var head = el("tr");
    ["group", "errors", "refs (get_log)"].forEach(function (name) { head.appendChild(el("th", "", name)); });
    table.appendChild(head);
    (bucket.groups || []).forEach(function (cell) {
      var row = el("tr");
      row.setAttribute("data-label", cell.label);
      var label = el("td");
      var swatch = el("span", "swatch");
      swatch.style.background = colors[cell.label] || OTHER;
      label.appendChild(swatch);
      label.appendChild(document.createTextNode(" " + cell.label));
      row.appendChild(label);
      row.appendChild(el("td", "num", cell.count));
      row.appendChild(el("td", "ref", (cell.refs || []).join(" ")));
      table.appendChild(row);
    });
    panel.appendChild(table);
  }
});
