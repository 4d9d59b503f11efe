import { describe, expect, it } from "vitest";
import {
  appendJsonArrayItem,
  detectJsonStyle,
  isBlankConfig,
  parseJsonc,
  removeJsonArrayItem,
  removeJsonValue,
  setJsonValue,
} from "../src/jsonc.ts";

const F = "/x/settings.json";
const entry = { type: "stdio", command: "/opt/oxtail/main.mjs", args: ["a b"], env: { OXTAIL_MANAGED: "1" } };

describe("detectJsonStyle", () => {
  it("finds tabs, N spaces, CRLF and compact files", () => {
    expect(detectJsonStyle('{\n\t"a": 1\n}\n')).toEqual({ indent: "\t", eol: "\n", compact: false });
    expect(detectJsonStyle('{\n    "a": {\n        "b": 1\n    }\n}\n').indent).toBe("    ");
    expect(detectJsonStyle('{\r\n  "a": 1\r\n}\r\n')).toEqual({ indent: "  ", eol: "\r\n", compact: false });
    expect(detectJsonStyle('{"a":1,"b":[2]}\n').compact).toBe(true);
    // Comments before the first member do not confuse it.
    expect(detectJsonStyle('{\n   // three-space comment\n\t"a": 1\n}\n').indent).toBe("\t");
    expect(detectJsonStyle(null)).toEqual({ indent: "  ", eol: "\n", compact: false });
  });
});

describe("setJsonValue / removeJsonValue", () => {
  const cases: [string, string][] = [
    ["2 spaces with comments", '{\n  // mine\n  "theme": "dark", /* keep */\n  "n": [1, 2]\n}\n'],
    ["tabs", '{\n\t"theme": "dark"\n}\n'],
    [
      "4 spaces",
      '{\n    "numStartups": 3,\n    "mcpServers": {\n        "gh": { "command": "gh" }\n    }\n}\n',
    ],
    ["compact", '{"theme":"dark","mcpServers":{"gh":{"command":"gh"}}}'],
    ["spaced one-line", '{ "theme": "dark" }\n'],
    ["CRLF", '{\r\n  "theme": "dark"\r\n}\r\n'],
    ["trailing comma", '{\n  "theme": "dark",\n}\n'],
    ["comment after the last member", '{\n  "theme": "dark" // mine\n}\n'],
    ["empty nested object", '{\n  "mcpServers": {}\n}\n'],
  ];
  for (const [name, text] of cases) {
    it(`inserts like the file and removes byte-exactly: ${name}`, () => {
      const out = setJsonValue(text, ["mcpServers", "oxtail"], entry, F);
      expect(parseJsonc(out, F).mcpServers).toMatchObject({ oxtail: entry });
      // Setup made mcpServers when there was none: its inverse removes that whole.
      const path = text.includes('"mcpServers"') ? ["mcpServers", "oxtail"] : ["mcpServers"];
      expect(removeJsonValue(out, path, F)).toBe(text);
    });
  }

  it("removes a new parent object with its only member exactly", () => {
    const text = '{\n  "theme": "dark"\n}\n';
    const out = setJsonValue(text, ["mcpServers", "oxtail"], entry, F);
    expect(removeJsonValue(out, ["mcpServers"], F)).toBe(text);
  });

  it("lays the inserted JSON out like the file", () => {
    const tabs = setJsonValue('{\n\t"a": 1\n}\n', ["b"], { c: [1] }, F);
    expect(tabs).toBe('{\n\t"a": 1,\n\t"b": {\n\t\t"c": [\n\t\t\t1\n\t\t]\n\t}\n}\n');
    const four = setJsonValue('{\n    "a": 1\n}\n', ["b"], { c: 1 }, F);
    expect(four).toBe('{\n    "a": 1,\n    "b": {\n        "c": 1\n    }\n}\n');
    expect(setJsonValue('{"a":1}', ["b"], { c: 1 }, F)).toBe('{"a":1,"b":{"c":1}}');
    expect(setJsonValue('{ "a": 1 }\n', ["b"], { c: 1 }, F)).toBe('{ "a": 1, "b": { "c": 1 } }\n');
    // A sibling written on one line: the new member is one line too.
    expect(setJsonValue('{\n  "s": {\n    "gh": { "c": "gh" }\n  }\n}\n', ["s", "ox"], { c: "o" }, F)).toBe(
      '{\n  "s": {\n    "gh": { "c": "gh" },\n    "ox": { "c": "o" }\n  }\n}\n',
    );
  });

  it("replaces an existing value in place (re-pointing)", () => {
    const text = '{\n  // keep\n  "s": {\n    "ox": {\n      "command": "/old"\n    }\n  },\n  "z": 1\n}\n';
    const out = setJsonValue(text, ["s", "ox"], { command: "/new" }, F);
    expect(out).toBe(
      '{\n  // keep\n  "s": {\n    "ox": {\n      "command": "/new"\n    }\n  },\n  "z": 1\n}\n',
    );
  });

  it("makes a new file, and an empty one, in the default style", () => {
    expect(setJsonValue(null, ["a", "b"], 1, F)).toBe('{\n  "a": {\n    "b": 1\n  }\n}\n');
    const out = setJsonValue("{}\n", ["a"], 1, F);
    expect(out).toBe('{\n  "a": 1\n}\n');
    expect(removeJsonValue(out, ["a"], F)).toBe("{}\n");
  });

  it("refuses what is not a JSON object, naming the file", () => {
    expect(() => setJsonValue('{ "a": ', ["b"], 1, F)).toThrow(
      /settings\.json is not valid JSON .*nothing was changed/,
    );
    expect(() => parseJsonc("[1]", F)).toThrow(/not a JSON object/);
    expect(() => setJsonValue('{ "a": 1 }', ["a", "b"], 1, F)).toThrow(/is not an object/);
  });
});

describe("appendJsonArrayItem / removeJsonArrayItem", () => {
  const cases: [string, string][] = [
    ["multi-line", '{\n  "l": [\n    { "x": 1 }\n  ]\n}\n'],
    ["multi-line objects", '{\n  "l": [\n    {\n      "x": 1\n    }\n  ]\n}\n'],
    ["one-line", '{\n  "l": [1, 2]\n}\n'],
    ["compact", '{"l":[1,2]}'],
    ["empty", '{\n  "l": []\n}\n'],
    ["tabs", '{\n\t"l": [\n\t\t1\n\t]\n}\n'],
  ];
  for (const [name, text] of cases) {
    it(`appends and removes byte-exactly: ${name}`, () => {
      const out = appendJsonArrayItem(text, ["l"], { y: 2 }, F);
      const list = parseJsonc(out, F).l as unknown[];
      expect(list.at(-1)).toEqual({ y: 2 });
      expect(removeJsonArrayItem(out, ["l"], list.length - 1, F)).toBe(text);
    });
  }

  it("removes the first item, and keeps comments around a removed one", () => {
    expect(removeJsonArrayItem('{"l": [1, 2, 3]}', ["l"], 0, F)).toBe('{"l": [2, 3]}');
    const text = '{\n  "l": [\n    1, // one\n    2\n  ]\n}\n';
    expect(removeJsonArrayItem(text, ["l"], 1, F)).toBe('{\n  "l": [\n    1 // one\n  ]\n}\n');
  });
});

describe("isBlankConfig", () => {
  it("is true for blank text and {} only", () => {
    expect(isBlankConfig("")).toBe(true);
    expect(isBlankConfig(" {\n}\n")).toBe(true);
    expect(isBlankConfig("{ // mine\n}")).toBe(false);
    expect(isBlankConfig('{"a":1}')).toBe(false);
  });
});
