// Bench child: lock-and-hang.ts <home> <peer key> — takes the wake lock of <peer key>, says "locked",
// and never releases it.
import { acquireWakeLock } from "@oxtail/core/runtime";

const [home, peer] = process.argv.slice(2) as [string, string];
const release = acquireWakeLock(home, peer);
process.stdout.write(release ? "locked\n" : "busy\n");
setInterval(() => {}, 1 << 30);
