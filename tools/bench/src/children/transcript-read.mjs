// Bench child (plain JavaScript, run on the built packages, as a user's server would be):
//   transcript-read.mjs <claude|codex|gemini> <file> <tail|whole|none> <turns>
// tail: the adapter's tail-first reader; whole: read the whole file, split, parse every line (the
// whole-file way); none: load the same modules and read nothing (the process's floor).
// Prints {ms, maxRssMb, turns, error}.
import fs from "node:fs";
import claudeAdapter from "@oxtail/client-claude";
import codexAdapter from "@oxtail/client-codex";
import geminiAdapter from "@oxtail/client-gemini";

const [client, file, mode, count] = process.argv.slice(2);
const limit = Number(count);
const started = performance.now();
let turns = 0;
let error = null;
try {
  if (mode === "tail") {
    const adapter = { claude: claudeAdapter, codex: codexAdapter, gemini: geminiAdapter }[client]();
    turns = (await adapter.readTranscript(file, { limit })).turns.length;
  } else if (mode === "whole") {
    const records = fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          return null;
        }
      });
    turns = Math.min(limit, records.length);
  }
} catch (e) {
  error = e.message;
}
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, turns, error })}\n`,
);
