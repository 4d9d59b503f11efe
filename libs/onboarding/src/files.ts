import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { ClientInstallation, FileChange } from "@oxtail/core";
import { OxtailError } from "@oxtail/core";

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A config file's text, read through a symlink as the client reads it; null when it does not
 * exist. A file that is not UTF-8 text is refused (`invalid-input`): its bytes could not be
 * edited and restored exactly.
 */
export function readConfigText(file: string): string | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new OxtailError("storage-failure", `Cannot read ${file}: ${(error as Error).message}`, {
      origin: "onboarding",
      cause: error,
      data: { path: file },
    });
  }
  try {
    return UTF8.decode(bytes);
  } catch (cause) {
    throw new OxtailError(
      "invalid-input",
      `${file} is not UTF-8 text: leaving it alone; nothing was changed.`,
      {
        origin: "onboarding",
        cause,
        data: { path: file },
      },
    );
  }
}

/** A {@link FileChange}, or nothing when it would change nothing (for building plans). */
export function fileChange(
  file: string,
  before: string | null,
  after: string | null,
  what: string,
): FileChange[] {
  return before === after ? [] : [{ path: file, before, after, what }];
}

/** The executable `name` on `PATH` (as the environment gives it), or null. */
export function findExecutable(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      if (fs.statSync(candidate).isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return null;
}

/** What a client detection looks at: its program, and folders only it makes. */
export interface ClientDetection {
  /** The client's program name (as on PATH). */
  binary: string;
  /** Folders or files whose presence says the client was used here (its state folder). */
  traces: string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Arguments that make the program print its version; default `--version`. */
  versionArgs?: string[];
  /** How long the version may take, ms; default 10 000. */
  timeoutMs?: number;
}

/**
 * Is a client installed: its program on `PATH` (then its version, from `<program> --version`),
 * or else a folder it keeps (version unknown then). For an onboarding's `installed()`.
 */
export async function detectClient(options: ClientDetection): Promise<ClientInstallation> {
  const program = findExecutable(options.binary, options.env);
  if (program) {
    const version = await new Promise<string | null>((resolve) => {
      execFile(
        program,
        options.versionArgs ?? ["--version"],
        { timeout: options.timeoutMs ?? 10_000, env: { ...options.env } as NodeJS.ProcessEnv },
        (_error, stdout) => resolve(/\d+\.\d+\.\d+(?:-[\w.]+)?/.exec(String(stdout ?? ""))?.[0] ?? null),
      );
    });
    return { installed: true, version, how: `${program}${version ? ` ${version}` : " (version unknown)"}` };
  }
  const trace = options.traces.find((t) => fs.existsSync(t));
  if (trace)
    return { installed: true, version: null, how: `found ${trace}; ${options.binary} is not on PATH` };
  return {
    installed: false,
    version: null,
    how: `${options.binary} is not on PATH; no ${options.traces.join(" nor ")}`,
  };
}
