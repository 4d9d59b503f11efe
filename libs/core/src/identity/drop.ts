import path from "node:path";
import { z } from "zod";
import { isOxtailError } from "../errors.js";
import {
  ensurePrivatePath,
  listPrivateDir,
  type PrivateDirListing,
  verifyPrivatePath,
} from "../home/home.js";
import { readPrivateFile, writePrivateFileAtomic } from "../home/private-file.js";
import { isSessionId } from "../ids.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";

/** Drops are small (a few paths and pids); anything larger is not one. */
const DROP_MAX_BYTES = 64 * 1024;

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
  ensurePrivatePath(home, dir);
  writePrivateFileAtomic(
    path.join(dir, `${parsed.session_id.toLowerCase()}.json`),
    `${JSON.stringify(parsed)}\n`,
  );
}

/** Options for {@link readIdentityDrops}. */
export interface ReadIdentityDropsOptions {
  /** Where skipped entries are reported (`home.unsafe`, `identity.ignored`). */
  tracer?: Tracer;
}

/**
 * Every valid drop, newest first. Invalid, oversized, foreign-owned, symlinked and non-regular
 * entries (FIFOs, sockets) are skipped and traced; an `identity/` folder that is a symlink or
 * foreign-owned yields no drop at all.
 */
export function readIdentityDrops(home: string, options: ReadIdentityDropsOptions = {}): IdentityDrop[] {
  const tracer = options.tracer ?? NULL_TRACER;
  const dir = path.join(home, "identity");
  let listing: PrivateDirListing;
  try {
    listing = listPrivateDir(home, dir);
  } catch (error) {
    tracer.trace({ kind: "home.unsafe", ...(isOxtailError(error) ? error.data : { error: String(error) }) });
    return [];
  }
  for (const { name, reason } of listing.unsafe)
    tracer.trace({ kind: "home.unsafe", path: path.join(dir, name), reason });
  const out: IdentityDrop[] = [];
  for (const name of listing.files) {
    if (!/^[0-9a-f-]{36}\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      const text = readPrivateFile(file, { maxBytes: DROP_MAX_BYTES });
      const parsed = text ? IdentityDropSchema.safeParse(JSON.parse(text)) : null;
      if (parsed?.success) out.push(parsed.data);
      else if (parsed) tracer.trace({ kind: "identity.ignored", path: file, reason: "invalid drop" });
    } catch (error) {
      tracer.trace({
        kind: isOxtailError(error, "unsafe-path") ? "home.unsafe" : "identity.ignored",
        path: file,
        reason: isOxtailError(error) ? (error.data.reason ?? error.detail) : String(error),
      });
    }
  }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

/**
 * The drop of one session, or null when there is none or it cannot be trusted (a symlink, a FIFO,
 * a foreign or invalid file): proof that the session's client runs oxtail's hooks.
 */
export function readIdentityDrop(home: string, sessionId: string): IdentityDrop | null {
  if (!isSessionId(sessionId)) return null;
  const file = path.join(home, "identity", `${sessionId.toLowerCase()}.json`);
  try {
    if (!verifyPrivatePath(home, path.dirname(file))) return null;
    const text = readPrivateFile(file, { maxBytes: DROP_MAX_BYTES });
    const parsed = text ? IdentityDropSchema.safeParse(JSON.parse(text)) : null;
    return parsed?.success ? parsed.data : null;
  } catch {
    return null;
  }
}
