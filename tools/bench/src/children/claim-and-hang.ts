// Bench child: claims every message of a mailbox, says "claimed", and never acknowledges.
import { createFsMailboxStore, type MailboxKey } from "@oxtail/core";

const [home, key] = process.argv.slice(2) as [string, MailboxKey];
const claim = await createFsMailboxStore({ home }).claimAll(key);
process.stdout.write(`claimed ${claim.messages.length}\n`);
setInterval(() => {}, 1 << 30);
