/** The parts of oxtail tool results the demo reads and narrates. */
export interface ToolResult {
  ok?: boolean;
  error?: string;
  state?: { purpose: string } | null;
  project_root?: string;
  rows?: {
    tmux_session: string | null;
    client_type: string | null;
    pane: string | null;
    liveness: { state: string } | null;
    is_me: boolean;
    state: { purpose: string } | null;
  }[];
  mode?: string;
  turns?: { role: string; text: string }[];
  message_id?: string;
  ready?: boolean;
  strategy?: string | null;
  reason?: string;
  timed_out?: boolean;
  wake?: { strategy: string | null; outcome: string; reason: string };
  reply?: DemoMessage | null;
  messages?: DemoMessage[];
  line?: string;
}

/** A message as read_my_messages / ask_peer return it. */
export interface DemoMessage {
  id: string;
  body: string;
  reply_to: string | null;
  from: { session_id: string; display_name: string };
}
