import { randomBytes } from "node:crypto";
import path from "node:path";
import { OxtailError } from "@oxtail/core";
import { ensurePrivateDir, readPrivateFile, writePrivateFileAtomic } from "@oxtail/core/runtime";

const HOST_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * This machine's id on the NATS transport: `OXTAIL_HOST_ID`, else a random id kept in
 * `<home>/host-id` (made once). Two oxtail homes on one computer are two machines.
 */
export function hostId(home: string, env: NodeJS.ProcessEnv): string {
  const explicit = env.OXTAIL_HOST_ID?.trim();
  if (explicit) {
    if (!HOST_ID_RE.test(explicit))
      throw new OxtailError(
        "invalid-input",
        "OXTAIL_HOST_ID may hold only letters, digits, - and _ (at most 64).",
      );
    return explicit;
  }
  const file = path.join(home, "host-id");
  try {
    const kept = readPrivateFile(file)?.trim();
    if (kept && HOST_ID_RE.test(kept)) return kept;
  } catch {
    // none yet
  }
  const made = `h${randomBytes(8).toString("hex")}`;
  ensurePrivateDir(home);
  writePrivateFileAtomic(file, `${made}\n`);
  return made;
}
