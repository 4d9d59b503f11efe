// The hooks group: for each declared event, the session id from the author's sample payload, the
// answer without mail and with mail, the event's mode, and the command line setup writes for it.
import assert from "node:assert/strict";
import { type HookAnswer, type HookEventSpec, hookCommandLine, hookMode } from "../adapter/hooks.js";
import { isSessionId } from "../ids.js";
import { isText, type Kit, kitTest, missingInput, unusedInput } from "./_kit.js";
import type { HooksInput } from "./options.js";

/** Mail as oxtail frames it, with what trips naive quoting: quotes, a backslash, new lines, non-ASCII. */
const SAMPLE_MAIL =
  '[oxtail] 2 new messages from peers.\nfrom "alice" (a1b2): can you take\\review the `parser`? ✓ — héllo\n\treply with send_message';
/** A program path that needs quoting, as an install path may. */
const PROGRAM = "/opt/an oxtail's place/bin/oxtail-hook";
/** How far the hook program's shell front reads stdin looking for `"session_id"`. */
const FRONT_READ_BYTES = 4096;

/** Split a command line into words as a POSIX shell does, for the quoting `hookCommandLine` uses. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `an unterminated quote in ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * The session id the hook program's shell front finds in `deliver` mode, where it must decide
 * without Node: the session variable when set, else the string after `"session_id"` in the first
 * 4 KiB of stdin.
 */
function frontSessionId(
  stdin: string,
  env: Readonly<Record<string, string>>,
  sessionEnv?: string,
): string | null {
  if (sessionEnv && env[sessionEnv]) return env[sessionEnv];
  const input = stdin.slice(0, FRONT_READ_BYTES);
  const key = '"session_id"';
  const at = input.indexOf(key);
  if (at < 0) return null;
  const rest = input.slice(at + key.length);
  const open = rest.indexOf('"');
  if (open < 0) return null;
  const value = rest.slice(open + 1);
  const close = value.indexOf('"');
  return close < 0 ? value : value.slice(0, close);
}

/** Every string inside a JSON value. */
function jsonStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(jsonStrings);
  if (value && typeof value === "object") return Object.values(value).flatMap(jsonStrings);
  return [];
}

/**
 * stdout that looks like JSON must be JSON; returns the parsed value, or undefined for plain text. A
 * `[` followed by a word other than true/false/null (as in oxtail's own `[oxtail] …` framing) is text.
 */
function parsedStdout(answer: HookAnswer): unknown {
  const text = answer.stdout?.trim() ?? "";
  if (!text.startsWith("{") && !/^\[\s*(?:[[{"\d\]-]|true\b|false\b|null\b)/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    assert.fail(
      `stdout looks like JSON but does not parse (${(error as Error).message}): ${text.slice(0, 200)}`,
    );
  }
}

function assertExitCode(answer: HookAnswer): void {
  assert.ok(
    Number.isInteger(answer.exitCode) && answer.exitCode >= 0 && answer.exitCode <= 255,
    `exitCode ${answer.exitCode} is a process exit code`,
  );
}

function eventTests(kit: Kit, spec: HookEventSpec, input: HooksInput): void {
  const group = `hooks: ${spec.event}`;
  const payload = input.payloads[spec.event];
  if (!payload) {
    missingInput(
      kit,
      "hooks",
      `hooks.payloads[${JSON.stringify(spec.event)}]`,
      `${spec.event} is a declared hook event`,
    );
    return;
  }
  const env = input.env ?? {};
  const hooks = () => {
    const h = kit.make().hooks;
    assert.ok(h, "capabilities.hooks needs hooks");
    return h;
  };
  kitTest(kit, group, "the sample payload gives the session id", () => {
    const h = hooks();
    const id = h.sessionId(payload, env);
    assert.ok(isSessionId(id), `sessionId() gives a UUID (got ${JSON.stringify(id)})`);
    assert.equal(id.toLowerCase(), input.sessionId.toLowerCase());
    if (h.identity) {
      const found = h.identity(payload, env);
      for (const key of ["transcriptPath", "cwd", "tmuxPane", "tmuxSocket"] as const)
        assert.ok(
          found[key] === undefined || found[key] === null || typeof found[key] === "string",
          `identity().${key} is a string or null`,
        );
    }
  });
  if (hookMode(spec) === "deliver") {
    kitTest(kit, group, "the deliver mode's shell front finds the session without Node", () => {
      const h = hooks();
      const found = frontSessionId(JSON.stringify(payload), env, h.sessionEnv);
      assert.ok(
        found !== null,
        `with no mail the hook answers from its shell front, which reads ${h.sessionEnv ? `$${h.sessionEnv} or ` : ""}"session_id" in the payload: declare sessionEnv (and set it in hooks.env) or carry "session_id"`,
      );
      assert.equal(
        found.toLowerCase(),
        input.sessionId.toLowerCase(),
        "the front finds the same session as sessionId()",
      );
    });
  }
  kitTest(kit, group, "with no mail the answer changes nothing", () => {
    const answer = hooks().answer(spec, null);
    assert.equal(answer.exitCode, 0, "exit 0");
    assert.ok(!answer.stderr, "nothing on stderr");
    if ((input.stdoutWithoutMail ?? []).includes(spec.event)) {
      assert.equal(typeof answer.stdout, "string", `${spec.event} needs a stdout (hooks.stdoutWithoutMail)`);
      parsedStdout(answer);
    } else
      assert.ok(
        !answer.stdout,
        "nothing on stdout (name the event in hooks.stdoutWithoutMail if its client needs one)",
      );
  });
  kitTest(kit, group, "with mail its whole text reaches the client", () => {
    const answer = hooks().answer(spec, { text: SAMPLE_MAIL, count: 2 });
    assertExitCode(answer);
    if (spec.role !== "wake")
      assert.ok(!answer.stderr, `stderr only in the wake role: the hook program drops it for ${spec.role}`);
    const json = parsedStdout(answer);
    const carried =
      (json !== undefined ? jsonStrings(json) : [answer.stdout ?? ""]).some((s) => s.includes(SAMPLE_MAIL)) ||
      (spec.role === "wake" && (answer.stderr ?? "").includes(SAMPLE_MAIL));
    assert.ok(carried, `the mail's text, whole, is in the answer: ${JSON.stringify(answer).slice(0, 300)}`);
  });
  kitTest(kit, group, "its role, mode and state agree, and its command line parses back", () => {
    const h = hooks();
    if (spec.role === "wake")
      assert.ok(!spec.identity, "a wake event leaves no identity (the wake mode never records)");
    if (spec.role === "mid-turn")
      assert.notEqual(spec.state, "idle", "mid-turn fires while the agent is busy");
    if (spec.role === "before-idle")
      assert.notEqual(spec.state, "busy", "before-idle fires as the agent goes idle");
    const mode = hookMode(spec);
    assert.equal(mode, spec.role === "wake" ? "wake" : spec.identity ? "record" : "deliver");
    const name = kit.make().name;
    const line = hookCommandLine(PROGRAM, name, spec, h.sessionEnv);
    assert.deepEqual(shellWords(line), [
      PROGRAM,
      name,
      spec.event,
      mode,
      ...(h.sessionEnv ? [h.sessionEnv] : []),
    ]);
  });
}

/** Register the hooks group. */
export function hooksGroup(kit: Kit, input: HooksInput | undefined): void {
  const group = "hooks";
  if (!kit.adapter.capabilities.hooks || !kit.adapter.hooks) {
    if (input !== undefined) unusedInput(kit, group, "hooks", "hooks");
    return;
  }
  if (!input) {
    missingInput(
      kit,
      group,
      "hooks",
      "capabilities.hooks is declared: the kit needs a sample payload per event and the session id they carry",
    );
    return;
  }
  const events = kit.adapter.hooks.events;
  for (const spec of events) eventTests(kit, spec, input);
  const unknown = Object.keys(input.payloads).filter((e) => !events.some((s) => s.event === e));
  if (unknown.length > 0)
    kitTest(kit, group, "sample payloads are for declared events", () => {
      assert.fail(`hooks.payloads names ${unknown.join(", ")}, which the adapter does not declare`);
    });
  kitTest(kit, group, "no session id without one; odd payloads are not fatal", () => {
    const h = kit.make().hooks;
    assert.ok(h);
    assert.equal(h.sessionId({}, {}), null, "an empty payload and environment have no session");
    for (const odd of [
      { session_id: 42 },
      { session_id: "../../etc/passwd" },
      { session_id: null, cwd: {} },
    ]) {
      const id = h.sessionId(odd, {});
      assert.ok(id === null || typeof id === "string", "a string or null");
    }
    if (h.sessionEnv) {
      assert.match(
        h.sessionEnv,
        /^[A-Z_][A-Z0-9_]*$/,
        "sessionEnv is a variable name the shell front accepts",
      );
      const id = h.sessionId({}, { [h.sessionEnv]: input.sessionId });
      assert.equal(
        id?.toLowerCase(),
        input.sessionId.toLowerCase(),
        `$${h.sessionEnv} alone gives the session`,
      );
    }
    if (h.maxDeliveryChars !== undefined)
      assert.ok(h.maxDeliveryChars >= 500, "room for at least one message");
    assert.ok(isText(h.events[0]?.event), "events have names");
  });
}
