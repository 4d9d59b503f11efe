/** The Gemini CLI custom command `/oxtail-join` (`~/.gemini/commands/oxtail-join.toml`). */
export const GEMINI_JOIN_COMMAND = `# Written by \`oxtail setup --gemini\`, removed by \`oxtail uninstall --gemini\`.
description = "Join the other coding agents in this project through oxtail (check identity, post a state card, list peers)"
prompt = """
You have the oxtail MCP tools. They connect you with the other coding agents (Gemini CLI, Claude Code, Codex and
others) working in this project. To join:

1. Call \`get_my_session\`. If \`record.client.session_id\` is null, call \`claim_session\` with your session id.
   It is the value of \`$GEMINI_SESSION_ID\` as Gemini CLI's hooks see it; \`get_my_session\` explains what was found.
2. Call \`set_my_state\` with one plain line (at most 200 characters) saying what you are working on.
3. Call \`list_project_sessions\` and tell the user which peers are there and what each is doing.

Messages from peers reach you through oxtail's hooks (after a tool call, before you finish a turn, with the next
prompt), or with \`read_my_messages\`. Answer them with \`send_message\`, using \`reply_to\` = the message id.
"""
`;
