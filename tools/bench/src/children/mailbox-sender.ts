// Bench child: mailbox-sender.ts <home> <mailbox> <index> <count> [on-command]
// Default: waits for "go" on stdin, then sends <count> messages "<index>:<seq>" and exits.
// on-command: sends one message per "send" line on stdin and prints "sent <wall ms when the send began>".
import readline from "node:readline";
import { createFsMailboxStore, createMailbox, type MailboxKey } from "@oxtail/core/runtime";

const [home, to, index, count, mode] = process.argv.slice(2) as [string, MailboxKey, string, string, string?];
const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
const fromMailbox = `instance-${process.pid}-1` as MailboxKey;
const from = {
  session_id: null,
  instance_id: `${process.pid}-1`,
  client_type: "bench",
  display_name: `sender-${index}`,
};
const send = (body: string) => mailbox.send({ from, fromMailbox, to, toSessionId: null, body });

const lines = readline.createInterface({ input: process.stdin });
process.stdout.write("ready\n");
let seq = 0;
for await (const line of lines) {
  if (mode === "on-command" && line === "send") {
    // Stamped before the write starts: the latency measured includes the write itself.
    const startedAt = performance.timeOrigin + performance.now();
    await send(`${index}:${seq++}`);
    process.stdout.write(`sent ${startedAt}\n`);
  } else if (line === "go") {
    for (let i = 0; i < Number(count); i++) await send(`${index}:${i}`);
    process.exit(0);
  }
}
