// The dashboard page. Every string from the fleet (names, cards, bodies, turns) is put in the page
// with textContent, never as HTML: nothing a peer wrote can run here (and the CSP allows no inline
// script anyway).
const token = new URLSearchParams(location.search).get("token") ?? "";
const byId = (id) => document.getElementById(id);
let state = null;
let selected = null;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function svg(tag, attributes) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  return node;
}

function age(iso) {
  const at = Date.parse(iso ?? "");
  if (!Number.isFinite(at)) return "-";
  const s = Math.max(0, Math.floor((Date.now() - at) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const FLAGS = {
  "waiting-on-human": "waiting on you",
  stalled: "stalled",
  "unread-while-idle": "idle with unread mail",
  "ask-cycle": "in an ask cycle",
};
const labelOf = (a) => a.name ?? a.id.slice(0, 8);

function renderAgents() {
  const rows = state.agents.map((a) => {
    const tr = el("tr", null, `agent${a.id === selected ? " selected" : ""}`);
    tr.dataset.agent = labelOf(a);
    const waits = state.asks.filter((k) => k.asker.mailbox === a.mailbox).map((k) => k.target.name);
    tr.append(
      el("td", a.machine ? `${labelOf(a)}@${a.machine}` : labelOf(a), "name"),
      el("td", a.client ?? "-", "client"),
      el("td", a.state, `state ${a.state}`),
      el("td", a.unread, "unread"),
      el("td", waits.length ? waits.join(", ") : "-", "waits"),
      el("td", age(a.last_activity), "active"),
      el("td", a.attention.map((f) => FLAGS[f] ?? f).join(", "), "needs"),
      el("td", a.card ? a.card.purpose : "", "card"),
    );
    tr.addEventListener("click", () => {
      selected = a.id;
      render();
      loadTurns();
    });
    return tr;
  });
  byId("agents").replaceChildren(...rows);
  byId("no-agents").hidden = state.agents.length > 0;
}

function renderGraph() {
  const graph = byId("graph");
  const n = state.agents.length;
  const at = new Map();
  state.agents.forEach((a, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, n) - Math.PI / 2;
    at.set(a.mailbox, { x: 200 + 150 * Math.cos(angle), y: 130 + 95 * Math.sin(angle) });
  });
  const defs = svg("defs", {});
  const marker = svg("marker", {
    id: "arrow",
    viewBox: "0 0 10 10",
    refX: 22,
    refY: 5,
    markerWidth: 6,
    markerHeight: 6,
    orient: "auto",
  });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z" }));
  defs.append(marker);
  const parts = [defs];
  for (const k of state.asks) {
    const from = at.get(k.asker.mailbox);
    const to = at.get(k.target.mailbox);
    if (!from || !to) continue;
    const line = svg("line", { x1: from.x, y1: from.y, x2: to.x, y2: to.y, "marker-end": "url(#arrow)" });
    if (k.in_cycle) line.setAttribute("class", "cycle");
    parts.push(line);
  }
  for (const a of state.agents) {
    const p = at.get(a.mailbox);
    parts.push(svg("circle", { cx: p.x, cy: p.y, r: 14 }));
    const label = svg("text", { x: p.x, y: p.y + 28 });
    label.textContent = labelOf(a);
    parts.push(label);
  }
  graph.replaceChildren(...parts);
  const asks = state.asks.map((k) => {
    const li = el(
      "li",
      `${k.asker.name} waits for ${k.target.name} (asked ${age(k.created_at)} ago)${k.in_cycle ? ": cycle, nobody in it can answer" : ""}`,
    );
    li.className = `ask${k.in_cycle ? " cycle" : ""}`;
    return li;
  });
  if (asks.length === 0) asks.push(el("li", "nobody waits", "none"));
  byId("asks").replaceChildren(...asks);
}

function renderTimeline() {
  const items = state.timeline.map((m) => {
    const li = el("li", null, "message");
    const receipt = m.receipt ? m.receipt.state : m.origin === "operator" ? "sent" : "queued";
    li.append(
      el(
        "span",
        `${new Date(m.created_at).toLocaleTimeString()} ${m.from.name} → ${m.to.name} [${receipt}]`,
        "meta",
      ),
      el("span", m.body, "body"),
    );
    return li;
  });
  byId("messages").replaceChildren(...items.reverse());
}

function renderTargets() {
  const select = byId("target");
  const keep = select.value;
  const options = state.agents.map((a) => {
    const o = el("option", labelOf(a));
    o.value = a.session_id ?? a.name ?? a.id;
    return o;
  });
  const all = el("option", "every agent");
  all.value = "*";
  select.replaceChildren(...options, all);
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  else if (selected) {
    const a = state.agents.find((x) => x.id === selected);
    if (a) select.value = a.session_id ?? a.name ?? a.id;
  }
}

function render() {
  if (!state) return;
  byId("scope").textContent = state.scope.all ? "every project" : (state.scope.worktree ?? "");
  renderAgents();
  renderGraph();
  renderTimeline();
  renderTargets();
}

async function loadTurns() {
  const agent = state?.agents.find((a) => a.id === selected);
  if (!agent) return;
  byId("turns-agent").textContent = `of ${labelOf(agent)}`;
  const res = await fetch(`api/turns?agent=${encodeURIComponent(agent.id)}`, {
    headers: { "X-Oxtail-Token": token },
  });
  const answer = await res.json();
  const items = (answer.turns ?? []).map((t) => {
    const li = el("li", null, "turn");
    li.append(
      el("span", t.role, "meta"),
      el("span", t.text || t.toolCalls.map((c) => c.name).join(", "), "body"),
    );
    return li;
  });
  if (!answer.turns) items.push(el("li", "no transcript oxtail can read", "none"));
  byId("turns").replaceChildren(...items);
}

byId("compose").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = byId("text").value;
  const target = byId("target").value;
  if (!text.trim() || !target) return;
  byId("sent").textContent = "sending…";
  const res = await fetch("api/send", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Oxtail-Token": token },
    body: JSON.stringify({ target, text }),
  });
  const answer = await res.json();
  if (answer.ok) {
    byId("text").value = "";
    byId("sent").textContent =
      `sent ${answer.messages.length} message${answer.messages.length === 1 ? "" : "s"}`;
  } else byId("sent").textContent = `not sent: ${answer.message ?? answer.error}`;
});

const events = new EventSource(`events?token=${encodeURIComponent(token)}`);
events.addEventListener("state", (event) => {
  state = JSON.parse(event.data);
  render();
  if (selected) loadTurns();
});
events.addEventListener("open", () => {
  byId("live").textContent = "live";
  byId("live").className = "up";
});
events.addEventListener("error", () => {
  byId("live").textContent = "reconnecting…";
  byId("live").className = "down";
});
setInterval(() => {
  if (state) renderAgents();
}, 5000);
