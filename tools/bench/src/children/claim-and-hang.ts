// Bench child: claims one batch of a mailbox (core's default limits), says "claimed <n>", and never acknowledges.
import { createFsMailboxStore, DEFAULT_CLAIM_LIMITS, type MailboxKey } from "@oxtail/core/runtime";

const [home, key] = process.argv.slice(2) as [string, MailboxKey];
const claim = await createFsMailboxStore({ home }).claim(key, DEFAULT_CLAIM_LIMITS);
process.stdout.write(`claimed ${claim.messages.length}\n`);
setInterval(() => {}, 1 << 30);
