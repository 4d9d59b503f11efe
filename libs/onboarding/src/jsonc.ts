// Edits of JSON / JSONC config files that change only the bytes they must: comments, key order and
// the layout of everything else stay as they are, and what is inserted is laid out like its
// surroundings. Each insertion has an exact inverse (removeJsonValue / removeJsonArrayItem), so an
// insert followed by its removal gives back the original bytes.
import { OxtailError } from "@oxtail/core";
import {
  findNodeAtLocation,
  type Node,
  type ParseError,
  parse,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";

/** How a JSON file is laid out, so that inserted JSON looks like the rest of it. */
export interface JsonStyle {
  /** One level of indentation: `"\t"`, `"  "`, `"    "`, … */
  indent: string;
  /** The line ending the file uses. */
  eol: "\n" | "\r\n";
  /** The document is written on one line: insert compact JSON. */
  compact: boolean;
}

/** The style of a new file: two spaces, `\n`. */
export const DEFAULT_JSON_STYLE: JsonStyle = Object.freeze({ indent: "  ", eol: "\n", compact: false });

/** A path into a JSON document: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

const invalid = (file: string, why: string) =>
  new OxtailError(
    "invalid-input",
    `${file} is not valid JSON (${why}). Fix or move it, then run oxtail setup again; nothing was changed.`,
    { origin: "onboarding", data: { path: file } },
  );

/**
 * Parse a JSON / JSONC config (comments and trailing commas allowed). A missing or blank file is
 * `{}`; anything but an object is refused with `invalid-input` (nothing is written then).
 */
export function parseJsonc(text: string | null, file: string): Record<string, unknown> {
  if (text === null || text.trim() === "") return {};
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) throw invalid(file, `${printParseErrorCode(first.error)} at offset ${first.offset}`);
  if (!value || typeof value !== "object" || Array.isArray(value)) throw invalid(file, "not a JSON object");
  return value as Record<string, unknown>;
}

/** True for a config that holds nothing: blank, or an empty object `{}`. */
export function isBlankConfig(text: string): boolean {
  return /^\s*(\{\s*\})?\s*$/.test(text);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The whitespace before `offset` on its line, when only whitespace is there; else null. */
function ownLineIndent(text: string, offset: number): string | null {
  const before = text.slice(lineStart(text, offset), offset);
  return /^[ \t]*$/.test(before) ? before : null;
}

/** The leading whitespace of the line `offset` is on. */
function lineIndent(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset)))?.[0] ?? "";
}

/** Detect a file's indentation (tabs or N spaces), line ending and whether it is one compact line. */
export function detectJsonStyle(text: string | null): JsonStyle {
  if (text === null || isBlankConfig(text)) return DEFAULT_JSON_STYLE;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const compact = !text.trim().includes("\n");
  const root = parseTree(text);
  // The first member of the root on a line of its own is one level deep.
  for (const child of root?.children ?? []) {
    const indent = ownLineIndent(text, child.offset);
    if (indent !== null && lineStart(text, child.offset) > (root?.offset ?? 0) && indent !== "")
      return { indent, eol, compact };
  }
  // Otherwise: tabs if any member line starts with one, else the smallest run of spaces.
  const lines = text.split(/\r?\n/).filter((l) => /^[ \t]+["{[\]}]/.test(l));
  if (lines.some((l) => l.startsWith("\t"))) return { indent: "\t", eol, compact };
  const widths = lines.map((l) => /^ */.exec(l)?.[0].length ?? 0).filter((n) => n > 0);
  return {
    indent: widths.length > 0 ? " ".repeat(Math.min(...widths)) : DEFAULT_JSON_STYLE.indent,
    eol,
    compact,
  };
}

/** `{ "a": 1, "b": [2, 3] }`: the one-line form with spaces that hand-written JSON often uses. */
function spacedInline(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "[]" : `[${value.map(spacedInline).join(", ")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${spacedInline(v)}`).join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** Whether one-line JSON at `node` is written with spaces (`{ "a": 1, "b": 2 }`) or without. */
function spacedAt(text: string, node: Node): boolean {
  return /[,:] /.test(text.slice(node.offset, node.offset + node.length));
}

/** `value` as JSON text that starts at a line indented by `base`. */
function render(value: unknown, style: JsonStyle, base: string): string {
  if (style.compact) return JSON.stringify(value);
  return JSON.stringify(value, null, style.indent)
    .split("\n")
    .join(style.eol + base);
}

function nest(path: JsonPath, value: unknown): unknown {
  return path.reduceRight<unknown>(
    (inner, key) => (typeof key === "number" ? [inner] : { [key]: inner }),
    value,
  );
}

function treeOf(text: string, file: string): Node {
  parseJsonc(text, file);
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) throw invalid(file, "empty");
  return root;
}

const splice = (text: string, start: number, end: number, insert: string) =>
  text.slice(0, start) + insert + text.slice(end);

/** How a member is rendered: on one line (`spaced` or not), or laid out from a line indented by `base`. */
type MemberText = (layout: { inline: boolean; spaced: boolean; base: string }) => string;

const isOneLineContainer = (text: string, node: Node | undefined): node is Node =>
  (node?.type === "object" || node?.type === "array") &&
  !text.slice(node.offset, node.offset + node.length).includes("\n");

/** Insert a member (`"key": value` in an object, `value` in an array) after the container's last one. */
function insertMember(text: string, container: Node, member: MemberText, style: JsonStyle): string {
  const children = container.children ?? [];
  const last = children.at(-1);
  const spaced = spacedAt(text, container);
  if (!last) {
    // An empty `{}` / `[]`: the member goes on its own line, one level deeper than the container's line.
    const open = container.offset + 1;
    const close = container.offset + container.length - 1;
    if (style.compact || text.slice(open, close).trim() !== "")
      return splice(text, open, open, member({ inline: true, spaced, base: "" }));
    const base = lineIndent(text, container.offset);
    const inner = base + style.indent;
    return splice(
      text,
      open,
      close,
      `${style.eol}${inner}${member({ inline: false, spaced, base: inner })}${style.eol}${base}`,
    );
  }
  const end = last.offset + last.length;
  const indent = ownLineIndent(text, last.offset);
  if (style.compact || indent === null || lineStart(text, last.offset) <= container.offset)
    return splice(text, end, end, `,${spaced ? " " : ""}${member({ inline: true, spaced, base: "" })}`);
  // Members on lines of their own: the new one too, written on one line when the one before it is.
  const sibling = last.type === "property" ? last.children?.[1] : last;
  const inline = isOneLineContainer(text, sibling);
  const layout = { inline, spaced: inline ? spacedAt(text, sibling) : spaced, base: indent };
  const newline = text.indexOf("\n", end);
  const lineEnd = newline < 0 ? text.length : text[newline - 1] === "\r" ? newline - 1 : newline;
  if (/^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)$/.test(text.slice(end, lineEnd))) {
    // A comment ends the last member's line: it stays there, the new member goes on the next line.
    const withMember = splice(text, lineEnd, lineEnd, `${style.eol}${indent}${member(layout)}`);
    return splice(withMember, end, end, ",");
  }
  return splice(text, end, end, `,${style.eol}${indent}${member(layout)}`);
}

function valueText(value: unknown, style: JsonStyle): MemberText {
  return ({ inline, spaced, base }) =>
    inline ? (spaced ? spacedInline(value) : JSON.stringify(value)) : render(value, style, base);
}

function propertyText(key: string, value: unknown, style: JsonStyle): MemberText {
  const inner = valueText(value, style);
  return (layout) => `${JSON.stringify(key)}:${layout.inline && !layout.spaced ? "" : " "}${inner(layout)}`;
}

/**
 * Set the value at `path` (object keys), creating the objects on the way. Only that part of the
 * text changes; the new JSON is laid out like the file (its indentation, or one line in a compact
 * file). A missing or blank file becomes a new document in the default style.
 */
export function setJsonValue(text: string | null, path: JsonPath, value: unknown, file: string): string {
  if (text === null || isBlankConfig(text)) {
    const style =
      text === null ? DEFAULT_JSON_STYLE : { ...DEFAULT_JSON_STYLE, eol: detectJsonStyle(text).eol };
    return `${render(nest(path, value), style, "")}${style.eol}`;
  }
  const root = treeOf(text, file);
  const style = detectJsonStyle(text);
  const existing = findNodeAtLocation(root, [...path]);
  if (existing) {
    const owner = existing.parent?.type === "property" ? existing.parent : existing;
    const inline = style.compact || ownLineIndent(text, owner.offset) === null;
    const replacement = inline
      ? spacedAt(text, existing)
        ? spacedInline(value)
        : JSON.stringify(value)
      : render(value, style, lineIndent(text, owner.offset));
    return splice(text, existing.offset, existing.offset + existing.length, replacement);
  }
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const parent = findNodeAtLocation(root, [...path.slice(0, depth)]);
    if (!parent) continue;
    const key = path[depth];
    const rest = nest(path.slice(depth + 1), value);
    if (parent.type === "object" && typeof key === "string")
      return insertMember(text, parent, propertyText(key, rest, style), style);
    if (parent.type === "array" && typeof key === "number")
      return insertMember(text, parent, valueText(rest, style), style);
    throw invalid(
      file,
      `${path.slice(0, depth).join(".") || "the document"} is not an ${typeof key === "number" ? "array" : "object"}`,
    );
  }
  throw invalid(file, "no root object");
}

/**
 * Append `value` to the array at `path` (made when missing), as a new last item laid out like the
 * item before it: `,<line end><its indentation><value>` or, in a one-line array, `, <value>`.
 * {@link removeJsonArrayItem} undoes it byte for byte.
 */
export function appendJsonArrayItem(
  text: string | null,
  path: JsonPath,
  value: unknown,
  file: string,
): string {
  if (text === null || isBlankConfig(text)) return setJsonValue(text, path, [value], file);
  const array = findNodeAtLocation(treeOf(text, file), [...path]);
  if (!array) return setJsonValue(text, path, [value], file);
  if (array.type !== "array") throw invalid(file, `${path.join(".")} is not an array`);
  const style = detectJsonStyle(text);
  return insertMember(text, array, valueText(value, style), style);
}

/** Remove one member node (a property or an array item) of `container`: the inverse of {@link insertMember}. */
function removeMember(text: string, container: Node, index: number): string {
  const children = container.children ?? [];
  const node = children[index];
  if (!node) return text;
  const end = node.offset + node.length;
  const open = container.offset + 1;
  const close = container.offset + container.length - 1;
  if (children.length === 1) {
    // The only member: an untouched container had nothing else inside (whitespace, a trailing comma).
    if (/^\s*$/.test(text.slice(open, node.offset)) && /^\s*,?\s*$/.test(text.slice(end, close)))
      return splice(text, open, close, "");
    return splice(text, node.offset, end + (/^\s*,/.exec(text.slice(end))?.[0].length ?? 0), "");
  }
  const previous = children[index - 1];
  if (previous) {
    const from = previous.offset + previous.length;
    const between = text.slice(from, node.offset);
    if (/^\s*,\s*$/.test(between)) return splice(text, from, end, "");
    // Comments between: drop the comma and this member's own line, keep the comments.
    const comma = from + between.indexOf(",");
    const indent = ownLineIndent(text, node.offset);
    const start = indent === null ? node.offset : Math.max(lineStart(text, node.offset) - 1, comma + 1);
    const cut = text.slice(start - 1, start) === "\r" ? start - 1 : start;
    return splice(splice(text, cut, end, ""), comma, comma + 1, "");
  }
  const next = children[index + 1] as Node;
  const between = text.slice(end, next.offset);
  if (/^\s*,\s*$/.test(between)) return splice(text, node.offset, next.offset, "");
  const comma = end + between.indexOf(",");
  return splice(text, node.offset, comma + 1, "");
}

/**
 * Remove the value at `path` (a property of an object); the inverse of {@link setJsonValue} when it
 * inserted a new property. Returns the text unchanged when nothing is there.
 */
export function removeJsonValue(text: string | null, path: JsonPath, file: string): string | null {
  if (text === null || isBlankConfig(text)) return text;
  const node = findNodeAtLocation(treeOf(text, file), [...path]);
  const property = node?.parent;
  const container = property?.type === "property" ? property.parent : property;
  if (!node || !property || !container) return text;
  const member = property.type === "property" ? property : node;
  return removeMember(text, container, (container.children ?? []).indexOf(member));
}

/** Remove item `index` of the array at `path`; the inverse of {@link appendJsonArrayItem}. */
export function removeJsonArrayItem(
  text: string | null,
  path: JsonPath,
  index: number,
  file: string,
): string | null {
  if (text === null || isBlankConfig(text)) return text;
  const array = findNodeAtLocation(treeOf(text, file), [...path]);
  if (array?.type !== "array") return text;
  return removeMember(text, array, index);
}
