/**
 * What the scripted model does. A script is a list of turns; a turn is the list of steps
 * the model takes in it, one step per model request. A step either calls a tool (the
 * client runs it and asks again: the next step answers) or says text and ends the turn.
 */
export type Step =
  /** Say this text; ends the turn. */
  (
    | { say: string }
    /**
     * Call a tool. With `server`, `tool` is an MCP tool's own name and `server` its MCP
     * server's name in the client config; without, `tool` is a built-in tool (`Bash`, `exec_command`).
     */
    | {
        tool: string;
        server?: string;
        /** The arguments, or a function of the last tool result's text (e.g. to reply to a message id). */
        args:
          | Record<string, unknown>
          | ((lastToolResult: string | null, requestText: string) => Record<string, unknown>);
        say?: string;
      }
    /** Say whatever the last tool result said (optionally prefixed); ends the turn. */
    | { sayLastToolResult: true; prefix?: string }
  ) & {
    /** Thinking (Claude) or a reasoning summary (Codex) to emit before the answer. */
    think?: string;
    /** Hold the answer this long (ms): the model "thinks" while a test acts mid-turn. */
    delayMs?: number;
  };

/** One turn: the steps of the model between a user prompt and the end of its answer. */
export type Turn = Step[];

/** A whole script. */
export type Script = Turn[];

/** What the model answers once the script has run out. */
export const SCRIPT_EXHAUSTED_TEXT = "(the scripted model has nothing more to say)";

/** A step resolved against a request: plain text, or a tool call by the client's own tool name. */
export type Action = (
  | { kind: "text"; text: string }
  | { kind: "tool"; name: string; args: Record<string, unknown>; text?: string }
) & { think?: string; delayMs?: number };

/**
 * Hands out the script's steps in order. `resolve` turns a step into an action, given
 * what the client's request offered (its tool names, the last tool result).
 */
export class ScriptCursor {
  private turn = 0;
  private step = 0;
  constructor(private readonly script: Script) {}

  /** The next step, or null once the script is exhausted. */
  next(): Step | null {
    while (this.turn < this.script.length) {
      const turn = this.script[this.turn] as Turn;
      if (this.step < turn.length) {
        const step = turn[this.step] as Step;
        this.step += 1;
        if (this.step >= turn.length) {
          this.turn += 1;
          this.step = 0;
        }
        return step;
      }
      this.turn += 1;
      this.step = 0;
    }
    return null;
  }

  /** Turns and steps not yet used. */
  get remaining(): number {
    return this.script
      .slice(this.turn)
      .reduce((n, t, i) => n + (i === 0 ? t.length - this.step : t.length), 0);
  }
}

/** Find the client's name for an MCP tool among the names a request offers. */
export function findToolName(offered: readonly string[], server: string, tool: string): string | null {
  // Claude Code: mcp__<server>__<tool>; Codex: <namespace>__<tool>; Gemini CLI: mcp_<server>_<tool>;
  // OpenCode: <server>_<tool>.
  const exact = [
    `mcp__${server}__${tool}`,
    `${server}__${tool}`,
    `mcp_${server}_${tool}`,
    `${server}_${tool}`,
    tool,
  ];
  for (const name of exact) if (offered.includes(name)) return name;
  return offered.find((name) => name.endsWith(`__${tool}`) && name.includes(server)) ?? null;
}

/** Resolve a step into an action. */
export function resolveStep(
  step: Step | null,
  offered: readonly string[],
  lastToolResult: string | null,
  requestText = "",
): Action {
  if (step === null) return { kind: "text", text: SCRIPT_EXHAUSTED_TEXT };
  const think = {
    ...(step.think ? { think: step.think } : {}),
    ...(step.delayMs ? { delayMs: step.delayMs } : {}),
  };
  if ("say" in step && !("tool" in step)) return { kind: "text", text: step.say, ...think };
  if ("sayLastToolResult" in step) {
    return {
      kind: "text",
      text: `${step.prefix ?? ""}${lastToolResult ?? "(no tool result seen)"}`,
      ...think,
    };
  }
  const name = step.server
    ? findToolName(offered, step.server, step.tool)
    : offered.includes(step.tool)
      ? step.tool
      : null;
  if (!name) {
    const label = step.server ? `${step.server}/${step.tool}` : step.tool;
    return {
      kind: "text",
      text: `(scripted model: tool ${label} is not offered; offered: ${offered.join(", ")})`,
    };
  }
  const args = typeof step.args === "function" ? step.args(lastToolResult, requestText) : step.args;
  return { kind: "tool", name, args, ...(step.say ? { text: step.say } : {}), ...think };
}

/** The first JSON object inside a tool result's text (Codex frames results as "Wall time: …\nOutput:<json>"). */
export function jsonInResult(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return null;
  try {
    return JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * A woken peer's turn: read its oxtail mail, answer the first message with `answer` (`reply_to` it, to its
 * sender), and say so.
 */
export function answerTurn(answer: string): Turn {
  return [
    { tool: "read_my_messages", server: "oxtail", args: {} },
    {
      tool: "send_message",
      server: "oxtail",
      args: (last) => {
        const message = (jsonInResult(last)?.messages as { id: string; from: string }[] | undefined)?.[0];
        return { target: message?.from ?? "?", body: answer, reply_to: message?.id ?? "" };
      },
    },
    { say: "answered the peer" },
  ];
}
