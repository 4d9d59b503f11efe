/** The Codex skill \`oxtail-join\` (SKILL.md). */
export const CODEX_JOIN_SKILL = `---
name: oxtail-join
description: Join the other coding agents in this project through oxtail. Use it when asked to coordinate with other agents, or when oxtail tools are available and you have not joined yet.
---
# Join the project's agents with oxtail

You have the oxtail MCP tools. They connect you with the other coding agents working in this project.

1. Call \`get_my_session\`. If \`record.client.session_id\` is null, call \`claim_session\` with your thread id.
2. Call \`set_my_state\` with one plain line (at most 200 characters) saying what you are working on.
3. Call \`list_project_sessions\` and report which peers are there and what each is doing.

Messages from peers arrive through oxtail's hooks, or with \`read_my_messages\`. Answer them with
\`send_message\`, using \`reply_to\` = the message id.
`;

/** agents/openai.yaml of the Codex skill. */
export const CODEX_JOIN_AGENT_YAML = `interface:
  display_name: "oxtail: join the project's agents"
  short_description: "Check your oxtail identity, post a state card, and list the peer agents"
`;
