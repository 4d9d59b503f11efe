// Bench child: chaos-sender.ts <home> <mailbox> <index> <first seq> <count> <sent log>
// Sends bodies "<index>:<seq>" and appends each seq to the sent log once send() returned (from then
// on the message counts as sent: it must be delivered). A restarted sender resumes after the last
// logged seq. Prints "ready" just before its first send.
import fs from "node:fs";
import { createFsMailboxStore, createMailbox, type MailboxKey } from "@oxtail/core/runtime";

const [home, to, index, first, count, sentLog] = process.argv.slice(2) as [
  string,
  MailboxKey,
  string,
  string,
  string,
  string,
];
const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
const from = {
  session_id: null,
  instance_id: `${process.pid}-1`,
  client_type: "bench",
  display_name: `s${index}`,
};
const fromMailbox = `instance-${process.pid}-1` as MailboxKey;
process.stdout.write("ready\n");
for (let seq = Number(first); seq < Number(first) + Number(count); seq++) {
  await mailbox.send({ from, fromMailbox, to, toSessionId: null, body: `${index}:${seq}` });
  fs.appendFileSync(sentLog, `${seq}\n`);
}
