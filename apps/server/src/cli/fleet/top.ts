// `oxtail top`: the fleet, live in the terminal. The screen is `render` (screen.ts); this file only
// wires the live model, the keyboard and the operator's send (core's operator/) to it.
import type { ClientAdapter } from "@oxtail/core";
import { createTracer, operatorSend } from "@oxtail/core/runtime";
import { type FleetState, watchFleet } from "@oxtail/fleet";
import { configuredTransport } from "../../transport-config.js";
import { operatorOptions } from "../operator.js";
import { clampSelection, render, type TopView } from "./screen.js";
import { stallMsFrom } from "./stall.js";
import { labelOf } from "./text.js";

/** What `oxtail top` needs. */
export interface TopContext {
  adapters: readonly ClientAdapter[];
  oxtailHome: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  all: boolean;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

const ENTER_ALT = "\u001b[?1049h\u001b[?25l";
const LEAVE_ALT = "\u001b[?25h\u001b[?1049l";
const KEY = {
  up: ["\u001b[A", "\u001bOA", "k"],
  down: ["\u001b[B", "\u001bOB", "j"],
  enter: ["\r", "\n"],
  escape: ["\u001b"],
  backspace: ["\u007f", "\b"],
  interrupt: ["\u0003"],
};

/** Split what the terminal sent into keys: escape sequences whole, everything else a character each. */
export function keysOf(data: string): string[] {
  const keys: string[] = [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal input is parsed here
  const re = /\u001b\[[0-9;]*[A-Za-z~]|\u001bO[A-Za-z]|\u001b|[\s\S]/gu;
  for (const m of data.matchAll(re)) keys.push(m[0]);
  return keys;
}

/** Run until `q` (or Ctrl-C): resolves to the exit code. */
export async function runTop(context: TopContext): Promise<number> {
  const { input, output } = context;
  if (!input.isTTY || !output.isTTY) {
    output.write("oxtail top needs a terminal; use `oxtail status` (or --json) in scripts.\n");
    return 1;
  }
  const tracer = createTracer(context.env.MCP_TRACE_FILE);
  let view: TopView = { selected: 0, mode: { kind: "list" }, note: null };
  let state: FleetState | null = null;
  const draw = () => {
    if (!state) return;
    const lines = render(state, view, { columns: output.columns || 80, rows: output.rows || 24 }, Date.now());
    output.write(`\u001b[H\u001b[2J${lines.join("\r\n")}`);
  };
  // The transport the environment selects (`OXTAIL_TRANSPORT`): with NATS, other machines' agents too.
  const transport = await configuredTransport(context.env, context.oxtailHome, context.cwd, tracer);
  const fleet = await watchFleet({
    home: context.oxtailHome,
    cwd: context.cwd,
    all: context.all,
    adapters: context.adapters,
    ...stallMsFrom(context.env),
    tracer,
    transport,
    onChange: (next) => {
      state = next;
      view = { ...view, selected: clampSelection(view.selected, next) };
      draw();
    },
  }).catch(async (error: unknown) => {
    await transport.close().catch(() => {});
    throw error;
  });
  state = fleet.current();
  // The ages on screen move: one redraw every 5 s (a write of one screen, nothing read).
  const ticker = setInterval(draw, 5000);
  ticker.unref();
  const send = (target: string, text: string) => {
    view = { ...view, mode: { kind: "list" }, note: "sending…" };
    draw();
    operatorSend(
      operatorOptions({
        adapters: context.adapters,
        oxtailHome: context.oxtailHome,
        cwd: context.cwd,
        tracer,
        transport,
      }),
      target,
      text,
    ).then(
      (sent) => {
        view = {
          ...view,
          note: `sent ${sent.length} message${sent.length === 1 ? "" : "s"} (wake: ${sent.map((s) => s.wake.outcome).join(", ")})`,
        };
        void fleet.refresh();
        draw();
      },
      (error: Error) => {
        view = { ...view, note: `not sent: ${error.message}` };
        draw();
      },
    );
  };

  output.write(ENTER_ALT);
  input.setRawMode(true);
  input.setEncoding("utf8");
  input.resume();
  draw();
  const onResize = () => draw();
  output.on("resize", onResize);

  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number) => {
      done = true;
      clearInterval(ticker);
      fleet.close();
      input.off("data", onData);
      output.off("resize", onResize);
      input.setRawMode(false);
      input.pause();
      output.write(LEAVE_ALT);
      void transport
        .close()
        .catch(() => {})
        .finally(() => resolve(code));
    };
    const selectedAgent = () => (state ? state.agents[clampSelection(view.selected, state)] : undefined);
    const onKey = (key: string) => {
      const mode = view.mode;
      if (KEY.interrupt.includes(key)) return finish(0);
      if (mode.kind === "compose") {
        if (KEY.escape.includes(key)) view = { ...view, mode: { kind: "list" }, note: "not sent" };
        else if (KEY.enter.includes(key)) {
          if (mode.text.trim()) return send(mode.target, mode.text);
          else view = { ...view, mode: { kind: "list" }, note: "nothing to send" };
        } else if (KEY.backspace.includes(key))
          view = { ...view, mode: { ...mode, text: [...mode.text].slice(0, -1).join("") } };
        // Only printable characters are typed into a message.
        else if (!/^[\p{Cc}\p{Cf}]/u.test(key) && !key.startsWith("\u001b"))
          view = { ...view, mode: { ...mode, text: mode.text + key } };
        return draw();
      }
      const count = state?.agents.length ?? 0;
      if (key === "q") return finish(0);
      if (KEY.up.includes(key)) view = { ...view, selected: Math.max(0, view.selected - 1) };
      else if (KEY.down.includes(key)) view = { ...view, selected: Math.min(count - 1, view.selected + 1) };
      else if (KEY.escape.includes(key)) view = { ...view, mode: { kind: "list" } };
      else if (KEY.enter.includes(key)) {
        const agent = selectedAgent();
        if (agent) {
          view = { ...view, mode: { kind: "turns", agent: agent.id, turns: [] } };
          void fleet.reader.recentTurns(agent.id, 50).then((turns) => {
            if (view.mode.kind === "turns" && view.mode.agent === agent.id)
              view = { ...view, mode: { kind: "turns", agent: agent.id, turns } };
            draw();
          });
        }
      } else if (key === "m") {
        const agent = selectedAgent();
        if (agent)
          view = {
            ...view,
            mode: {
              kind: "compose",
              target: agent.session_id ?? agent.name ?? agent.id,
              to: labelOf(agent),
              text: "",
            },
          };
      } else if (key === "b" && count > 0)
        view = { ...view, mode: { kind: "compose", target: "*", to: "every agent", text: "" } };
      if (view.mode.kind === "turns" && KEY.up.concat(KEY.down).includes(key)) {
        const agent = selectedAgent();
        if (agent && agent.id !== view.mode.agent) {
          view = { ...view, mode: { kind: "turns", agent: agent.id, turns: [] } };
          void fleet.reader.recentTurns(agent.id, 50).then((turns) => {
            if (view.mode.kind === "turns" && view.mode.agent === agent.id)
              view = { ...view, mode: { kind: "turns", agent: agent.id, turns } };
            draw();
          });
        }
      }
      draw();
    };
    const onData = (data: string) => {
      for (const key of keysOf(data)) if (!done) onKey(key);
    };
    input.on("data", onData);
  });
}
