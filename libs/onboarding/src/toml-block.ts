// A marked block in a TOML file: the lines between two comment markers belong to oxtail and are
// added, replaced or removed whole; every byte outside them is the user's. Each result is parsed,
// so a plan never writes a file the client could not read.
import { OxtailError } from "@oxtail/core";
import { parse } from "smol-toml";

/** The comment lines that open and close a marked block. */
export interface TomlBlockMarkers {
  /** A whole line, starting with `#`. */
  begin: string;
  /** A whole line, starting with `#`. */
  end: string;
}

/** Where a marked block is: `[start, end)` covers its lines and the line end after them. */
export interface TomlBlock {
  start: number;
  end: number;
  /** The lines between the markers. */
  body: string;
}

/** Parse TOML, or refuse with `invalid-input` naming the file (nothing is written then). A missing file is `{}`. */
export function parseToml(text: string | null, file: string): Record<string, unknown> {
  if (text === null) return {};
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new OxtailError(
      "invalid-input",
      `${file} is not valid TOML (${(error as Error).message.split("\n")[0]}). Fix it first; nothing was changed.`,
      { origin: "onboarding", data: { path: file }, cause: error },
    );
  }
}

function lineAt(text: string, line: string, from = 0): number {
  for (let at = text.indexOf(line, from); at >= 0; at = text.indexOf(line, at + 1)) {
    const startsLine = at === 0 || text[at - 1] === "\n";
    const after = text.slice(at + line.length, at + line.length + 2);
    if (startsLine && (after === "" || after.startsWith("\n") || after === "\r\n")) return at;
  }
  return -1;
}

/** The marked block in `text`, or null. A begin marker without its end marker is refused. */
export function findTomlBlock(
  text: string | null,
  markers: TomlBlockMarkers,
  file: string,
): TomlBlock | null {
  if (text === null) return null;
  const start = lineAt(text, markers.begin);
  if (start < 0) return null;
  const close = lineAt(text, markers.end, start);
  if (close < 0)
    throw new OxtailError(
      "invalid-input",
      `${file} has oxtail's start marker but not its end marker: fix it by hand; nothing was changed.`,
      { origin: "onboarding", data: { path: file } },
    );
  let end = close + markers.end.length;
  if (text.startsWith("\r\n", end)) end += 2;
  else if (text[end] === "\n") end += 1;
  const bodyStart = text.indexOf("\n", start) + 1;
  return { start, end, body: text.slice(bodyStart, close) };
}

/**
 * Put `body` in the marked block: replace the block's lines when it is there (so a re-run re-points
 * it), else append it, after a blank line, at the end of the file. The result must parse.
 */
export function setTomlBlock(
  text: string | null,
  file: string,
  markers: TomlBlockMarkers,
  body: string,
): string {
  parseToml(text, file);
  const eol = text?.includes("\r\n") ? "\r\n" : "\n";
  const lines = body.replace(/\r?\n$/, "").split(/\r?\n/);
  const block = [markers.begin, ...lines, markers.end, ""].join(eol);
  const found = findTomlBlock(text, markers, file);
  const before = text ?? "";
  let out: string;
  if (found) out = before.slice(0, found.start) + block + before.slice(found.end);
  else {
    // One blank line before the block: exactly one line end more, which removeTomlBlock takes away again.
    const gap = before === "" ? "" : before.endsWith(eol) ? eol : eol + eol;
    out = before + gap + block;
  }
  parseToml(out, file);
  return out;
}

/**
 * Remove the marked block and the line end {@link setTomlBlock} put before it: the exact inverse
 * of appending it to an empty file or one that ended with a line end. Returns the text unchanged
 * when there is no block.
 */
export function removeTomlBlock(text: string | null, file: string, markers: TomlBlockMarkers): string | null {
  const found = findTomlBlock(text, markers, file);
  if (text === null || !found) return text;
  let start = found.start;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  if (text.slice(0, start).endsWith(eol + eol)) start -= eol.length;
  return text.slice(0, start) + text.slice(found.end);
}
