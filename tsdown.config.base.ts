import type { UserConfig } from "tsdown";

/**
 * Code a server loads stays ASCII: V8 keeps each module's source in memory, and one character
 * outside Latin-1 stores the whole file at two bytes a character (SPEC §8 counts an idle server's
 * memory). With comments gone, such characters are only in string, template and regular
 * expression literals, where a `\u` escape means the same character.
 */
const asciiOutput = {
  name: "oxtail:ascii-output",
  generateBundle(
    _options: unknown,
    bundle: Record<string, { type: string; fileName: string; code?: string }>,
  ) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== "chunk" || !chunk.fileName.endsWith(".mjs") || !chunk.code) continue;
      chunk.code = chunk.code.replace(
        /[^ -~\t\n\r]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      );
    }
  },
};

/** The one build every package shares: ESM for Node 20+, with declarations, code without comments. */
export const baseConfig: UserConfig = {
  entry: ["src/index.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  dts: true,
  clean: true,
  sourcemap: false,
  // Declarations keep the documentation; the code needs none of it at run time.
  outputOptions: { comments: false },
  plugins: [asciiOutput],
};
