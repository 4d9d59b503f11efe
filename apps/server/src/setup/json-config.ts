import { OxtailError } from "@oxtail/core";
import {
  applyEdits,
  type FormattingOptions,
  findNodeAtLocation,
  type JSONPath,
  modify,
  type ParseError,
  parse,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: "\n" };

/** Parse JSON / JSONC text, or refuse with a clear message (nothing is written then). */
export function parseConfig(text: string | null, file: string): Record<string, unknown> {
  if (text === null || text.trim() === "") return {};
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !value || typeof value !== "object" || Array.isArray(value)) {
    const first = errors[0];
    const why = first ? `${printParseErrorCode(first.error)} at offset ${first.offset}` : "not a JSON object";
    throw new OxtailError(
      "invalid-input",
      `${file} is not valid JSON (${why}). Fix or move it, then run oxtail setup again; nothing was changed.`,
      {
        data: { path: file },
      },
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Set (or, with undefined, remove) one value, changing only that part of the text. A new
 * file is pretty-printed; an existing one gets the value as compact JSON, because
 * jsonc-parser's formatter would re-wrap the neighbouring entries too.
 */
export function setValue(text: string | null, path: JSONPath, value: unknown): string {
  const fresh = text === null || text.trim() === "" || text.trim() === "{}";
  const base = fresh ? "{}\n" : text;
  const out = applyEdits(base, modify(base, path, value, fresh ? { formattingOptions: FORMAT } : {}));
  return out.endsWith("\n") ? out : `${out}\n`;
}

/**
 * Append a value to an existing, non-empty array, as the exact text
 * `,<newline><the last element's indentation><value as compact JSON>` right after the last
 * element (or `, <value>` in a one-line array), so {@link removeFromArray} can undo it byte for byte.
 */
export function appendToArray(text: string, path: JSONPath, value: unknown): string {
  const array = findNodeAtLocation(parseTree(text) as never, path);
  const last = array?.type === "array" ? array.children?.at(-1) : undefined;
  if (!array || !last) return setValue(text, [...path, 0], value);
  const end = last.offset + last.length;
  const lineStart = text.lastIndexOf("\n", last.offset) + 1;
  const before = text.slice(lineStart, last.offset);
  const insert = before.trim() === "" ? `,\n${before}${JSON.stringify(value)}` : `, ${JSON.stringify(value)}`;
  return text.slice(0, end) + insert + text.slice(end);
}

/** Remove an array element: from the end of the element before it to its own end (the inverse of {@link appendToArray}). */
export function removeFromArray(text: string, path: JSONPath, index: number): string {
  const array = findNodeAtLocation(parseTree(text) as never, path);
  const node = array?.children?.[index];
  if (!array || !node) return text;
  const previous = array.children?.[index - 1];
  if (previous)
    return text.slice(0, previous.offset + previous.length) + text.slice(node.offset + node.length);
  const next = array.children?.[index + 1];
  return next
    ? text.slice(0, node.offset) + text.slice(next.offset)
    : setValue(text, [...path, index], undefined);
}
