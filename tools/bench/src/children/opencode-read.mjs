// Bench child (plain JavaScript, on the built packages, as a user's server runs):
//   opencode-read.mjs <state-log> <tail|whole> <turns>
// tail: the OpenCode adapter's reader (the newest <turns> through the TUI's server); whole: the whole
// session through the same server (`GET /session/{id}/message`, no limit), parsed; raw: the very request
// the adapter makes (`?limit=<2 × turns + 1>`), through node:http, unparsed: the server's own time.
// Prints {ms, maxRssMb, turns, error}.
import fs from "node:fs";
import openCodeAdapter from "@oxtail/client-opencode";

const [file, mode, count] = process.argv.slice(2);
const limit = Number(count);
const started = performance.now();
let turns = 0;
let error = null;
try {
  if (mode === "tail") {
    turns = (await openCodeAdapter().readTranscript(file, { limit })).turns.length;
  } else if (mode === "raw") {
    const http = await import("node:http");
    const state = JSON.parse(fs.readFileSync(file, "utf8").trim().split("\n").at(-1));
    const url = new URL(`session/${state.session}/message?limit=${limit * 2 + 1}`, state.server_url);
    await new Promise((resolve, reject) => {
      http
        .get(url, (res) => {
          res.on("data", () => {});
          res.on("end", resolve);
          res.on("error", reject);
        })
        .on("error", reject);
    });
    turns = limit;
  } else {
    const state = JSON.parse(fs.readFileSync(file, "utf8").trim().split("\n").at(-1));
    const response = await fetch(new URL(`session/${state.session}/message`, state.server_url), {
      signal: AbortSignal.timeout(120_000),
    });
    const messages = await response.json();
    turns = Math.min(limit, messages.length);
  }
} catch (e) {
  error = e.message;
}
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, turns, error })}\n`,
);
