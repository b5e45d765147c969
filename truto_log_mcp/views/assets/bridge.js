"use strict";
// The MCP Apps side of a view, written by hand (a few messages: the 540 KB ext-apps client is not bundled).
// In a host: ui/initialize -> ui/notifications/initialized, then the host sends the tool's input and result;
// tools/call reaches app-only tools through the host. In a file written by `call --html`, the result is
// embedded (a JSON script element) and rendered with no host and no network.
// Row text is untrusted: views build the page with DOM calls and textContent only, never HTML strings.
var TrutoView = (function () {
  var pending = new Map();
  var nextId = 1;
  var embedded = null;
  var render = null;
  var shown = null;
  var drawnWidth = 0;
  var answers = new Map();
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attributes) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, String(attributes[name])); });
    return node;
  }
  function post(message) { window.parent.postMessage(message, "*"); }
  function request(method, params) {
    return new Promise(function (resolve, reject) {
      var id = nextId++;
      pending.set(id, { resolve: resolve, reject: reject });
      post({ jsonrpc: "2.0", id: id, method: method, params: params });
    });
  }
  function notify(method, params) { post({ jsonrpc: "2.0", method: method, params: params || {} }); }
  function applyTheme(context) {
    if (context && (context.theme === "dark" || context.theme === "light")) {
      document.documentElement.setAttribute("data-theme", context.theme);
    }
  }
  function show(result) {
    shown = result;
    drawnWidth = window.innerWidth;
    document.body.textContent = "";
    try {
      render(result || {}, { callTool: callTool, el: el, svg: svg });
    } catch (error) {
      document.body.appendChild(el("p", "note", "This view could not draw the result: " + error.message));
    }
    reportSize();
  }
  function onMessage(event) {
    if (event.source !== window.parent) return;
    var message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    if (message.method === undefined) {
      var waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(String(message.error.message)));
      else waiting.resolve(message.result);
      return;
    }
    var params = message.params || {};
    if (message.method === "ui/notifications/tool-result") show(params);
    else if (message.method === "ui/notifications/host-context-changed") applyTheme(params);
    else if (message.method === "ui/resource-teardown" || message.method === "ping") {
      post({ jsonrpc: "2.0", id: message.id, result: {} });
    } else if (message.id !== undefined) {
      post({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
    }
  }
  function callTool(name, args) {
    if (embedded) {
      var kept = (embedded.tools || {})[name];
      return kept ? Promise.resolve(kept) : Promise.reject(new Error("not in this file"));
    }
    // Once per question: a redraw (the frame resized) asks the host nothing again.
    var key = name + " " + JSON.stringify(args);
    if (!answers.has(key)) answers.set(key, request("tools/call", { name: name, arguments: args }));
    return answers.get(key);
  }
  function redrawOnWidth() {
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { if (shown && window.innerWidth !== drawnWidth) show(shown); }, 150);
    });
  }
  var lastSize = "";
  function reportSize() {
    if (embedded) return;
    var size = { width: Math.ceil(document.documentElement.scrollWidth), height: Math.ceil(document.documentElement.scrollHeight) };
    var key = size.width + "x" + size.height;
    if (key !== lastSize) { lastSize = key; notify("ui/notifications/size-changed", size); }
  }
  function start(draw) {
    render = draw;
    redrawOnWidth();
    var data = document.getElementById("truto-data");
    if (data) {
      embedded = JSON.parse(data.textContent);
      show(embedded.result);
      return;
    }
    window.addEventListener("message", onMessage);
    // Reported a frame later: reporting from inside the observer's callback would loop (the host resizes us).
    if (window.ResizeObserver) {
      new ResizeObserver(function () { window.requestAnimationFrame(reportSize); }).observe(document.documentElement);
    }
    request("ui/initialize", {
      appInfo: { name: "truto-log-mcp view", version: "1" },
      appCapabilities: {},
      protocolVersion: "2026-01-26",
    }).then(function (answer) {
      applyTheme(answer && answer.hostContext);
      notify("ui/notifications/initialized", {});
    });
  }
  function tooltip() {
    var tip = el("div", "tip");
    tip.setAttribute("role", "status");
    document.body.appendChild(tip);
    return {
      show: function (event, lines) {
        tip.textContent = "";
        lines.forEach(function (line) { tip.appendChild(el("div", "", line)); });
        tip.style.display = "block";
        var x = Math.min(event.clientX + 12, window.innerWidth - tip.offsetWidth - 4);
        tip.style.left = Math.max(4, x) + "px";
        tip.style.top = event.clientY + 12 + "px";
      },
      hide: function () { tip.style.display = "none"; },
    };
  }
  function time(iso) { return typeof iso === "string" ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : ""; }
  return { start: start, el: el, svg: svg, tooltip: tooltip, time: time };
})();
