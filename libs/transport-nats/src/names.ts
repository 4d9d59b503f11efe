/**
 * Every JetStream and subject name one project uses (docs/several-machines.md lists them). Names are
 * built only from a project token (hex) and mailbox keys or instance ids (both checked formats), so
 * no peer-supplied text ever becomes a subject token.
 */
export interface ProjectNames {
  /** The stream holding every mailbox of the project. */
  stream: string;
  /** Subject prefix of the mailboxes: `<mailboxes>.<key>`. */
  mailboxes: string;
  /** Subject a mailbox's messages are published on. */
  mailbox(key: string): string;
  /** Durable consumer name of a mailbox. */
  consumer(key: string): string;
  /** KV bucket of presence records (TTL). */
  presence: string;
  /** KV bucket of receipt events. */
  receipts: string;
  /** KV bucket of pending asks. */
  asks: string;
  /** Subject a server instance answers wake requests on. */
  wake(instanceId: string): string;
}

/** The names of project `token`. */
export function projectNames(token: string): ProjectNames {
  const mailboxes = `oxtail.${token}.mbox`;
  return {
    stream: `OXTAIL_${token}`,
    mailboxes,
    mailbox: (key) => `${mailboxes}.${key}`,
    consumer: (key) => `mbox_${key}`,
    presence: `oxtail_${token}_presence`,
    receipts: `oxtail_${token}_receipts`,
    asks: `oxtail_${token}_asks`,
    wake: (instanceId) => `oxtail.${token}.wake.${instanceId}`,
  };
}
