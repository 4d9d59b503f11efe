import fs from "node:fs";
import path from "node:path";

export const FIXTURES = path.join(import.meta.dirname, "fixtures");
/** A Gemini CLI state folder (`~/.gemini`) holding the recorded chat. */
export const GEMINI_HOME = path.join(FIXTURES, "gemini-home");

/** The recorded chat, its session id and its project folder name. */
export function recordedChat(): { file: string; sessionId: string; project: string } {
  const tmp = path.join(GEMINI_HOME, "tmp");
  const project = fs.readdirSync(tmp)[0] as string;
  const chats = path.join(tmp, project, "chats");
  const file = path.join(chats, fs.readdirSync(chats).find((n) => n.endsWith(".jsonl")) as string);
  const sessionId = JSON.parse(fs.readFileSync(file, "utf8").split("\n")[0] as string).sessionId as string;
  return { file, sessionId, project };
}

/** An edge-case chat made from the recorded one (see fixtures/README.md). */
export const edge = (name: string): string => path.join(FIXTURES, "edge", name);
