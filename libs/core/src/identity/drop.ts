import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ensurePrivateDir, readPrivateFile, writePrivateFileAtomic } from "../home/home.js";
import { isSessionId } from "../ids.js";

/**
 * An identity drop: what a client hook learned about its session (session id,
 * transcript, cwd, pane) and the hook's process ancestry, left where the session's
 * oxtail server finds it. Format documented in docs/protocol.md ("Identity drop").
 */
export const IdentityDropSchema = z.object({
  v: z.literal(1),
  client_type: z.string().max(64),
  session_id: z.string().refine(isSessionId, "not a session id"),
  transcript_path: z.string().max(4096).nullable(),
  cwd: z.string().max(4096).nullable(),
  /** The hook's ancestors, nearest first: the client process is among them. */
  ancestor_pids: z.array(z.number().int().positive()).max(64),
  tmux_pane: z.string().max(64).nullable(),
  tmux_socket: z.string().max(4096).nullable(),
  /** The hook event that wrote it (SessionStart, UserPromptSubmit, …). */
  event: z.string().max(64),
  at: z.string(),
});
/** An identity drop. */
export type IdentityDrop = z.infer<typeof IdentityDropSchema>;

/** Write (replace) the drop of a session: `<home>/identity/<session_id>.json`, atomic, 0600. */
export function writeIdentityDrop(home: string, drop: IdentityDrop): void {
  const parsed = IdentityDropSchema.parse(drop);
  const dir = path.join(home, "identity");
  ensurePrivateDir(home);
  ensurePrivateDir(dir);
  writePrivateFileAtomic(
    path.join(dir, `${parsed.session_id.toLowerCase()}.json`),
    `${JSON.stringify(parsed)}\n`,
  );
}

/** Every valid drop, newest first. Invalid, foreign-owned or symlinked files are skipped. */
export function readIdentityDrops(home: string): IdentityDrop[] {
  const dir = path.join(home, "identity");
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: IdentityDrop[] = [];
  for (const name of names) {
    if (!/^[0-9a-f-]{36}\.json$/.test(name)) continue;
    try {
      const text = readPrivateFile(path.join(dir, name));
      const parsed = text ? IdentityDropSchema.safeParse(JSON.parse(text)) : null;
      if (parsed?.success) out.push(parsed.data);
    } catch {
      // skipped, like every untrusted entry
    }
  }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}
