// The Node part of oxtail-hook: `main.mjs <client> <event>`, stdin = the client's hook JSON.
// Started by bin/oxtail-hook only when mail waits or identity is to be recorded. On any internal
// error it prints nothing and exits 0 (traced when MCP_TRACE_FILE is set): never break the client.
import os from "node:os";
import path from "node:path";
import { createTracer, resolveHome } from "@oxtail/core";
import { handleHook, takeMail } from "./handle.js";
import { takeMailForWake } from "./sleeper.js";

const tracer = createTracer(process.env.MCP_TRACE_FILE);
const [client = "claude", event = ""] = process.argv.slice(2);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

try {
  const text = await readStdin();
  let payload: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text || "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      payload = parsed as Record<string, unknown>;
  } catch {
    // not JSON: nothing to act on
  }
  if (event === "Sleep") {
    // The asyncRewake sleeper (Claude Code runs it in the background): when mail arrives while
    // the session is idle, print the mail on stderr and exit 2, which makes Claude Code start a turn.
    const home = resolveHome(process.env);
    const { outcome, mail } = await takeMailForWake(
      {
        sessionId: payload.session_id ?? process.env.CLAUDE_CODE_SESSION_ID,
        home,
        claudeDir: process.env.CLAUDE_CONFIG_DIR ?? path.join(os.homedir(), ".claude"),
        tracer,
      },
      (session) => takeMail({ home, tracer }, session),
    );
    tracer.trace({ kind: "hook.sleeper", outcome });
    if (mail) {
      await new Promise<void>((resolve, reject) =>
        process.stderr.write(`${mail.text}\n`, (error) => (error ? reject(error) : resolve())),
      );
      await mail.delivered();
      process.exit(2);
    }
    process.exit(0);
  }
  const result = await handleHook({
    client,
    event,
    payload,
    env: process.env,
    home: resolveHome(process.env),
    tracer,
  });
  if (result.output) {
    const ok = process.stdout.write(`${JSON.stringify(result.output)}\n`);
    if (ok) await result.delivered();
    else
      await new Promise<void>((resolve) =>
        process.stdout.once("drain", () => void result.delivered().then(resolve)),
      );
  }
} catch (error) {
  tracer.trace({ kind: "hook.failed", client, event, error: String((error as Error)?.stack ?? error) });
}
process.exit(0);
