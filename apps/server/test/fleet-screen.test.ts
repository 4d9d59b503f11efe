// `oxtail top`'s screen as text: a pure function of the model, the viewer's state and the size.
import type { FleetAgent, FleetState } from "@oxtail/fleet";
import { describe, expect, it } from "vitest";
import { plain, render, SGR, type TopView } from "../src/cli/fleet/screen.ts";
import { keysOf } from "../src/cli/fleet/top.ts";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function agent(name: string, extra: Partial<FleetAgent> = {}): FleetAgent {
  return {
    id: `${name}-id`,
    mailbox: `${name}-box`,
    name,
    client: "sim",
    session_id: `${name}-id`,
    state: "idle",
    state_reason: "test",
    machine: null,
    card: null,
    project: "/repo/.git",
    worktree: "/repo",
    last_activity: ago(30),
    transcript_grew_at: null,
    unread: 0,
    waiting_on: 0,
    asked_by: 0,
    tmux: null,
    attention: [],
    ...extra,
  };
}

const STATE: FleetState = {
  v: 1,
  generated_at: ago(0),
  scope: { all: false, project: "/repo/.git", worktree: "/repo" },
  agents: [
    agent("alpha", {
      state: "busy",
      waiting_on: 1,
      card: { purpose: "parser \u001b[31mwork", set_at: ago(60) },
    }),
    agent("beta", { unread: 1, asked_by: 1, attention: ["unread-while-idle"] }),
  ],
  asks: [
    {
      question_id: "q1",
      asker: { mailbox: "alpha-box", name: "alpha" },
      target: { mailbox: "beta-box", name: "beta" },
      created_at: ago(120),
      deadline: ago(-600),
      in_cycle: false,
    },
  ],
  timeline: [
    {
      id: "m1",
      created_at: ago(90),
      from: { mailbox: "alpha-box", name: "alpha", session_id: "alpha-id", client: "sim" },
      to: { mailbox: "beta-box", name: "beta", session_id: "beta-id" },
      origin: "agent",
      reply_to: null,
      body: "look\u001b]0;owned\u0007 at\nthis \u009b2J",
      receipt: {
        state: "queued",
        delivered_at: null,
        via: null,
        replied_at: null,
        reply_id: null,
        expired_at: null,
      },
    },
  ],
};

const LIST: TopView = { selected: 1, mode: { kind: "list" }, note: null };

describe("oxtail top's screen", () => {
  it("is exactly the terminal's size: header, agents (selected in reverse video), asks, messages, keys", () => {
    const lines = render(STATE, LIST, { columns: 100, rows: 14 }, NOW);
    expect(lines).toHaveLength(14);
    const text = plain(lines).split("\n");
    for (const l of text) expect([...l].length).toBeLessThanOrEqual(100);
    expect(text[0]).toBe("oxtail top  /repo  2 agents, 1 needs you");
    expect(text[2]).toMatch(/^ {2}AGENT +CLIENT +STATE +UNREAD +WAITS ON +ACTIVE +WORKTREE +NEEDS +CARD$/);
    expect(text[3]).toMatch(/^ {2}alpha +sim +busy +0 +→beta +30s +\. +parser \[31mwork$/);
    expect(text[4]).toMatch(/^› beta +sim +idle +1 +- +30s +\. +! idle with unread mail$/);
    expect(lines[4]?.startsWith(SGR.reverse)).toBe(true);
    expect(lines[3]?.startsWith(SGR.reverse)).toBe(false);
    expect(text.slice(5, 8)).toEqual(["", "Who waits for whom:", "  alpha → beta  2m"]);
    expect(text[9]).toBe("Messages:");
    // The body is one line, its escape sequences and control characters gone.
    expect(text[10]).toMatch(/^ {2}\d\d:\d\d:\d\d alpha → beta \[queued\] look\]0;owned at this 2J$/);
    expect(text[13]).toBe("↑/↓ select  enter recent turns  m message  b broadcast  q quit");
    // Only the screen's own attributes are escape sequences.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find none
    expect(plain(lines)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it("a narrow, short terminal keeps the agents and the bottom line; nothing is wider than it", () => {
    const lines = render(STATE, LIST, { columns: 40, rows: 6 }, NOW);
    const text = plain(lines).split("\n");
    expect(text).toHaveLength(6);
    for (const l of text) expect([...l].length).toBeLessThanOrEqual(40);
    expect(text[4]).toMatch(/^› beta/);
    expect(text[5]).toMatch(/^↑\/↓ select/);
  });

  it("shows the selected agent's recent turns, and the message being typed", () => {
    const turns = render(
      STATE,
      {
        selected: 0,
        mode: {
          kind: "turns",
          agent: "alpha-id",
          turns: [{ role: "assistant", text: "done \u001b[2Jwith it", timestamp: null, toolCalls: [] }],
        },
        note: null,
      },
      { columns: 80, rows: 14 },
      NOW,
    );
    const t = plain(turns).split("\n");
    expect(t[9]).toBe("Recent turns of alpha:");
    expect(t[10]).toBe("  assistant: done [2Jwith it");
    expect(t[13]).toMatch(/^esc back/);
    const compose = plain(
      render(
        STATE,
        {
          selected: 1,
          mode: { kind: "compose", target: "beta-id", to: "beta", text: "run the tests" },
          note: null,
        },
        { columns: 80, rows: 14 },
        NOW,
      ),
    ).split("\n");
    expect(compose[12]).toBe("  enter send  esc cancel");
    expect(compose[13]).toBe("message to beta: run the tests█");
  });

  it("says so when no agent is registered", () => {
    const empty = plain(
      render({ ...STATE, agents: [], asks: [], timeline: [] }, LIST, { columns: 60, rows: 8 }, NOW),
    );
    expect(empty).toContain("No agent is registered here.");
    expect(empty).toContain("(none seen yet)");
  });

  it("splits terminal input into keys: arrows whole, pasted text a character each", () => {
    expect(keysOf("\u001b[A\u001b[Bmx\r")).toEqual(["\u001b[A", "\u001b[B", "m", "x", "\r"]);
    expect(keysOf("\u001b")).toEqual(["\u001b"]);
  });
});
