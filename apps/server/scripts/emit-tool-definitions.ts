// Part of the build: writes dist/tool-definitions.json, the `tools/list` answer made from core's
// contracts, so that the built server answers its handshake without loading the contracts.
import fs from "node:fs";
import path from "node:path";
import { toolDefinitions } from "../src/tool-definitions.ts";
import { TOOL_DEFINITIONS_FILE } from "../src/tool-list.ts";

const out = path.resolve(import.meta.dirname, "..", "dist", TOOL_DEFINITIONS_FILE);
fs.writeFileSync(out, `${JSON.stringify(toolDefinitions())}\n`);
