import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.dispose();
});

describe("list_project_sessions", () => {
  it("lists one row per agent with client, session id and pane, plus unclaimed tmux sessions in scope", async () => {
    const root = world.project();
    const paneA = world.tmux.session("alpha", root);
    const paneB = world.tmux.session("beta", path.join(root));
    world.tmux.session("devserver", root, "sh -c 'echo serving; sleep 3600'");
    world.tmux.session("elsewhere", world.project("other"));
    const a = await world.agent({ cwd: root, pane: paneA, claudeSession: A });
    await world.agent({ cwd: root, pane: paneB, claudeSession: B });

    const listed = await a.call("list_project_sessions");
    expect(listed).toMatchObject({ ok: true, project_root: root, inferred: true });
    expect(listed.error).toBeUndefined();
    const rows = listed.rows as Record<string, unknown>[];
    // Rows carry short session ids (a unique prefix is a target) and leave out what does not apply.
    const bySession = (s: string) => rows.find((r) => r.id === s.slice(0, 8));
    expect(bySession(A)).toEqual({
      name: "alpha",
      id: A.slice(0, 8),
      client: "claude",
      active: expect.any(String),
      me: true,
    });
    expect(bySession(B)).toEqual({
      name: "beta",
      id: B.slice(0, 8),
      client: "claude",
      active: expect.any(String),
    });
    expect(rows.find((r) => r.name === "devserver")).toEqual({ name: "devserver" });
    expect(rows.some((r) => r.name === "elsewhere")).toBe(false);
    expect(paneA).not.toBe(paneB);
    expect(rows).toHaveLength(3);
  });

  it("answers from the registry with a non-fatal error when no tmux server runs", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, claudeSession: A });
    const listed = await a.call("list_project_sessions");
    expect(listed.ok).toBe(true);
    expect(listed.error).toMatch(/no tmux server/);
    expect((listed.rows as unknown[]).length).toBe(1);
  });

  it("a peer in another project root is invisible, and unreachable with out-of-scope", async () => {
    const root = world.project();
    const other = world.project("other");
    const a = await world.agent({ cwd: root, claudeSession: A });
    await world.agent({ cwd: other, claudeSession: B });
    const listed = await a.call("list_project_sessions");
    expect((listed.rows as { id: string }[]).map((r) => r.id)).toEqual([A.slice(0, 8)]);
    for (const [tool, args] of [
      ["send_message", { target: B, body: "hi" }],
      ["read_session", { name: B }],
      ["ask_peer", { target: B, body: "hi", timeout_ms: 100 }],
      ["wake_status", { target: B }],
    ] as const) {
      const result = await a.call(tool, args);
      expect(result, tool).toMatchObject({ ok: false, error: "out-of-scope" });
      expect(result.message).toContain(other);
    }
  });

  it("duplicate servers of one client collapse to one row and share one mailbox", async () => {
    const root = world.project();
    const pane = world.tmux.session("alpha", root);
    const first = await world.agent({ cwd: root, pane, claudeSession: A });
    const second = await world.agent({ cwd: root, pane, claudeSession: A });
    const peer = await world.agent({ cwd: root, claudeSession: B });
    const rows = (await peer.call("list_project_sessions")).rows as { id: string }[];
    expect(rows.filter((r) => r.id === A.slice(0, 8))).toHaveLength(1);
    await peer.call("send_message", { target: A, body: "one mailbox" });
    const read = await second.call("read_my_messages");
    expect((read.messages as { body: string }[]).map((m) => m.body)).toEqual(["one mailbox"]);
    expect((await first.call("read_my_messages")).messages).toEqual([]);
  });
});

describe("read_session", () => {
  it("reads a peer's transcript as clean turns, by session id or tmux name", async () => {
    const root = world.project();
    const paneB = world.tmux.session("beta", root);
    const a = await world.agent({ cwd: root, claudeSession: A });
    await world.agent({
      cwd: root,
      pane: paneB,
      claudeSession: B,
      claudeDir: world.claudeDirWithTranscript(B, root),
    });
    const byId = await a.call("read_session", { name: B, limit: 2 });
    expect(byId).toMatchObject({
      ok: true,
      mode: "transcript",
      id: B.slice(0, 8),
      client: "claude",
      truncated: true,
    });
    expect(byId.turns).toEqual([
      { user: "Are you still there?" },
      { assistant: "Still here after compaction." },
    ]);
    const byName = await a.call("read_session", { name: "beta", limit: 100 });
    expect(byName.total_turns).toBe(15);
    expect(byName.truncated).toBeUndefined();
    // A turn that only called a tool: its calls, as one line each.
    expect((byName.turns as { tools?: string[] }[]).find((t) => t.tools)?.tools?.[0]).toMatch(
      /^Bash: command="ls -a"/,
    );
    // A unique prefix of a session id is a target too.
    expect(await a.call("read_session", { name: B.slice(0, 8), limit: 1 })).toMatchObject({
      ok: true,
      id: B.slice(0, 8),
    });
  });

  it("reads a pane, including a tmux session no agent registered", async () => {
    const root = world.project();
    const paneB = world.tmux.session("beta", root, "sh -c 'printf \"hello from beta\\n\"; sleep 3600'");
    world.tmux.session("shell", root, "sh -c 'printf \"plain shell output\\n\"; sleep 3600'");
    const a = await world.agent({ cwd: root, claudeSession: A });
    await world.agent({ cwd: root, pane: paneB, claudeSession: B });
    const pane = await until("the pane text", async () => {
      const r = await a.call("read_session", { name: "beta", mode: "pane", pane_lines: 20 });
      if (!String(r.pane_text).includes("hello from beta")) console.log("pane read:", JSON.stringify(r));
      return String(r.pane_text).includes("hello from beta") ? r : null;
    });
    expect(pane).toMatchObject({ ok: true, mode: "pane", id: B.slice(0, 8) });
    const shell = await until("the shell's pane", async () => {
      const r = await a.call("read_session", { name: "shell" });
      if (!String(r.pane_text).includes("plain shell output"))
        console.log("shell read:", JSON.stringify(r), world.tmux.run(["list-sessions"]));
      return String(r.pane_text).includes("plain shell output") ? r : null;
    });
    expect(shell).toMatchObject({ mode: "pane" });
    expect(shell.id).toBeUndefined();
  });

  it("says no-transcript when the peer has none yet, and not-found for nobody", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, claudeSession: A });
    await world.agent({ cwd: root, claudeSession: B, claudeDir: world.project("empty-claude") });
    expect(await a.call("read_session", { name: B, mode: "transcript" })).toMatchObject({
      ok: false,
      error: "no-transcript",
    });
    expect(await a.call("read_session", { name: "ghost" })).toMatchObject({ ok: false, error: "not-found" });
  });

  it("two agents in one tmux session: the name is ambiguous, session ids disambiguate", async () => {
    const root = world.project();
    const pane1 = world.tmux.session("shared", root);
    const pane2 = world.tmux.split("shared", root);
    const me = await world.agent({ cwd: root, claudeSession: "cccccccc-cccc-4ccc-8ccc-cccccccccccc" });
    await world.agent({ cwd: root, pane: pane1, claudeSession: A });
    await world.agent({ cwd: root, pane: pane2, claudeSession: B });
    const ambiguous = await me.call("send_message", { target: "shared", body: "who?" });
    expect(ambiguous).toMatchObject({ ok: false, error: "ambiguous-target" });
    expect(
      (ambiguous.data as { candidates: { session_id: string }[] }).candidates.map((c) => c.session_id).sort(),
    ).toEqual([A, B]);
    expect(await me.call("send_message", { target: B, body: "you" })).toMatchObject({
      ok: true,
      to_session_id: B,
    });
  });
});

describe("identity and state", () => {
  it("get_my_session shows the record, each detection strategy and the loaded adapters", async () => {
    const root = world.project();
    const pane = world.tmux.session("alpha", root);
    const a = await world.agent({ cwd: root, pane, claudeSession: A });
    const mine = await a.call("get_my_session");
    const record = mine.record as { client: Record<string, unknown>; tmux: Record<string, unknown> };
    expect(record.client).toMatchObject({ type: "claude", session_id: A, name: "claude-code" });
    expect(record.tmux).toMatchObject({ pane, session: "alpha", socket: world.tmux.socket });
    const detection = mine.detection as {
      adapter: string;
      strategy: string;
      found: boolean;
      reason: string;
    }[];
    expect(detection.find((d) => d.adapter === "claude" && d.strategy === "env")).toMatchObject({
      found: true,
    });
    expect(detection.filter((d) => d.adapter === "codex").every((d) => d.reason.length > 0)).toBe(true);
    expect(mine.adapters).toEqual([
      { name: "claude", loaded: true },
      { name: "codex", loaded: true },
      { name: "gemini", loaded: true },
      { name: "opencode", loaded: true },
    ]);
  });

  it("claim_session validates the id, finds the transcript and moves mail sent before the claim", async () => {
    const root = world.project();
    const paneX = world.tmux.session("unclaimed", root);
    const claudeDir = world.claudeDirWithTranscript(B, root);
    const x = await world.agent({ cwd: root, pane: paneX, clientName: "claude-code", claudeDir });
    const a = await world.agent({ cwd: root, claudeSession: A });
    expect(await a.call("ask_peer", { target: "unclaimed", body: "?" })).toMatchObject({
      ok: false,
      error: "peer-has-no-session-id",
    });
    await a.call("send_message", { target: "unclaimed", body: "before the claim" });
    expect(await x.call("claim_session", { session_id: "../../etc/passwd" })).toMatchObject({
      ok: false,
      error: "invalid-session-id",
    });
    const claimed = await x.call("claim_session", { session_id: B.toUpperCase() });
    expect(claimed).toMatchObject({ ok: true, session_id: B });
    expect(String(claimed.transcript_path)).toContain(claudeDir);
    expect(((await x.call("read_my_messages")).messages as { body: string }[]).map((m) => m.body)).toEqual([
      "before the claim",
    ]);
    const rows = (await a.call("list_project_sessions")).rows as { id: string; name: string }[];
    expect(rows.find((r) => r.name === "unclaimed")?.id).toBe(B.slice(0, 8));
  });

  it("register_my_session pins an id; set_my_state posts a card peers see; bad cards are refused", async () => {
    const root = world.project();
    const x = await world.agent({ cwd: root });
    const a = await world.agent({ cwd: root, claudeSession: A });
    expect(await x.call("register_my_session", { session_id: B, client_type: "codex" })).toMatchObject({
      ok: true,
      session_id: B,
      client_type: "codex",
    });
    expect(await x.call("set_my_state", { purpose: "  refactoring the parser  " })).toMatchObject({
      ok: true,
      state: { purpose: "refactoring the parser" },
    });
    const row = ((await a.call("list_project_sessions")).rows as { id: string; card: string }[]).find(
      (r) => r.id === B.slice(0, 8),
    );
    expect(row).toMatchObject({ card: "refactoring the parser", client: "codex" });
    for (const purpose of ["", "two\nlines", "\u001b[31mred", "x".repeat(201)]) {
      expect(await x.call("set_my_state", { purpose })).toMatchObject({ ok: false, error: "invalid-state" });
    }
  });
});
