// Bench child: chaos-reader.ts <home> <mailbox> <delivery log> <stop file> <max messages> <max bytes> [ms per message]
// Stands in for a consumer that shows mail to a model: it claims one bounded batch at a time,
// "delivers" it by appending one line per message to the delivery log ("<id> <body> <1 if the claim
// marked it redelivered, else 0>", one write per batch), and only then acknowledges. It does not
// deduplicate: every repeat shows in the log. A delivery takes [ms per message] (default 0) per
// message before it is logged, as handing text to a transport or a model does. Prints "ready" once it can claim; exits when the stop
// file exists and nothing waits.
import fs from "node:fs";
import { createFsMailboxStore, createMailbox, type MailboxKey } from "@oxtail/core/runtime";

const [home, key, log, stopFile, maxMessages, maxBytes, perMessageMs = "0"] = process.argv.slice(2) as [
  string,
  MailboxKey,
  string,
  string,
  string,
  string,
  string?,
];
const mailbox = createMailbox({ store: createFsMailboxStore({ home, pollMs: 100 }) });
const limits = { maxMessages: Number(maxMessages), maxBytes: Number(maxBytes) };
process.stdout.write("ready\n");
for (;;) {
  const claim = await mailbox.claim(key, limits);
  if (claim.entries.length > 0) {
    const cost = claim.entries.length * Number(perMessageMs);
    if (cost > 0) await new Promise((resolve) => setTimeout(resolve, cost));
    fs.appendFileSync(
      log,
      claim.entries.map((e) => `${e.message.id} ${e.message.body} ${e.redelivered ? 1 : 0}\n`).join(""),
    );
    await claim.ack();
    continue;
  }
  if (fs.existsSync(stopFile) && !(await mailbox.hasPending(key))) break;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => done(), 200);
    const stop = mailbox.watch(key, () => done());
    function done(): void {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}
