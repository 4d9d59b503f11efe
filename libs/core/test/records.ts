import { makeAgentRecord } from "../src/testing/index.ts";

/** A registry record for core's tests: a Claude agent unless told otherwise. */
export const makeRecord: typeof makeAgentRecord = (overrides = {}) =>
  makeAgentRecord({
    ...overrides,
    client: { type: "claude", name: "claude-code", version: "1", ...overrides.client },
  });
