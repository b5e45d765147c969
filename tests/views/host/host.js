// The smallest MCP Apps host: one view in a sandboxed iframe, spoken to through the official AppBridge of
// @modelcontextprotocol/ext-apps. The browser tests call startView() with a page and a recorded tool result.
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

window.startView = async function ({ html, toolInput, toolResult, appTools, theme }) {
  const iframe = document.createElement("iframe");
  iframe.id = "view";
  iframe.setAttribute("sandbox", "allow-scripts");
  iframe.style.cssText = "width:100%;border:0;height:300px;display:block";
  document.body.appendChild(iframe);
  const bridge = new AppBridge(
    null,
    { name: "truto-log-mcp-test-host", version: "1.0.0" },
    { serverTools: {} },
    { hostContext: { theme, displayMode: "inline" } },
  );
  window.appToolCalls = [];
  bridge.oncalltool = async (params) => {
    window.appToolCalls.push(params);
    const recorded = appTools[params.name];
    if (!recorded) throw new Error(`no recorded result for ${params.name}`);
    return recorded;
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${height}px`;
  };
  const initialized = new Promise((resolve) => {
    bridge.oninitialized = resolve;
  });
  iframe.srcdoc = html;
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  await initialized;
  await bridge.sendToolInput({ arguments: toolInput });
  await bridge.sendToolResult(toolResult);
  window.bridge = bridge;
  return true;
};
