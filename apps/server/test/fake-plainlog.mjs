// A stand-in for the Plainlog client of examples/adapter-plainlog (its README describes it): while it
// runs it keeps its session's wake inbox, and for each line appended there it runs a turn, which it
// writes to the transcript (markers around a user turn with the line and an answer). It types
// nothing and reads no terminal. Usage: node fake-plainlog.mjs <sessions dir> <session id>
import fs from "node:fs";
import path from "node:path";

const [dir = "", session = ""] = process.argv.slice(2);
const inbox = path.join(dir, `${session}.wake`);
const transcript = path.join(dir, `${session}.jsonl`);
const append = (record) =>
  fs.appendFileSync(transcript, `${JSON.stringify({ ...record, ts: new Date().toISOString() })}\n`);

fs.writeFileSync(inbox, "", { flag: "a" });
let consumed = 0;
const timer = setInterval(() => {
  const text = fs.readFileSync(inbox, "utf8");
  if (text.length <= consumed) return;
  const lines = text.slice(consumed).split("\n");
  const partial = lines.pop() ?? "";
  consumed = text.length - partial.length;
  for (const line of lines.filter((l) => l !== "")) {
    append({ event: "turn_start" });
    append({ role: "user", text: line });
    append({ role: "assistant", text: "Reading my messages." });
    append({ event: "turn_end" });
  }
}, 50);

const stop = () => {
  clearInterval(timer);
  fs.rmSync(inbox, { force: true });
  process.exit(0);
};
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, stop);
process.stdout.write(`plainlog (stand-in): session ${session}\n`);
