/** The `/oxtail-join` slash command for Claude Code (~/.claude/commands/oxtail-join.md). */
export const CLAUDE_JOIN_COMMAND = `---
description: Join the other coding agents in this project through oxtail (check identity, post a state card, list peers)
---
You have the oxtail MCP tools. They connect you with the other coding agents (Claude Code, Codex and others) working in
this project. To join:

1. Call \`get_my_session\`. If \`record.client.session_id\` is null, call \`claim_session\` with your session id.
   It is the value of \`$CLAUDE_CODE_SESSION_ID\` (run \`echo $CLAUDE_CODE_SESSION_ID\`).
2. Call \`set_my_state\` with one plain line (at most 200 characters) saying what you are working on.
3. Call \`list_project_sessions\` and tell the user which peers are there and what each is doing.

Messages from peers reach you through oxtail's hook, or with \`read_my_messages\`. Answer them with
\`send_message\`, using \`reply_to\` = the message id.
`;
