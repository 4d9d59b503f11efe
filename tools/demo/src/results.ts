/** The parts of oxtail tool results the demo reads and narrates. */
export interface ToolResult {
  ok?: boolean;
  error?: string;
  state?: { purpose: string } | null;
  project_root?: string;
  rows?: { name?: string; id?: string; client?: string; busy?: boolean; card?: string; me?: true }[];
  mode?: string;
  turns?: { user?: string; assistant?: string; system?: string; tools?: string[] }[];
  message_id?: string;
  ready?: boolean;
  strategy?: string | null;
  reason?: string;
  timed_out?: boolean;
  wake?: { strategy: string | null; outcome: string; reason: string };
  reply?: DemoMessage | null;
  messages?: DemoMessage[];
  line?: string;
  question_id?: string;
  message?: string;
  delivery_outlook?: { path: string };
  receipts?: { id: string; state: string; delivered?: { via?: string }; replied?: { reply_id: string } }[];
}

/** A message as read_my_messages / ask_peer return it. */
export interface DemoMessage {
  id: string;
  body: string;
  re?: string;
  from: string;
  age?: string;
}
