import { projectNames } from "./names.js";

/** What one NATS user needs to publish and subscribe to for one project, and nothing more. */
export interface ProjectPermissions {
  publish: string[];
  subscribe: string[];
}

/**
 * The subjects a user of project `token` needs: its mailboxes and wake requests, the JetStream API of
 * its own stream and KV buckets only, acknowledgements of its own consumers, and replies. Another
 * project's subjects, streams and buckets are outside every entry.
 */
export function projectPermissions(token: string): ProjectPermissions {
  const names = projectNames(token);
  const stream = names.stream;
  // Subject wildcards match whole tokens only: every stream and bucket is named.
  const buckets = [names.presence, names.receipts, names.asks];
  const api = "$JS.API";
  return {
    publish: [
      `oxtail.${token}.>`,
      `${api}.INFO`,
      ...[stream, ...buckets.map((b) => `KV_${b}`)].flatMap((s) => [
        `${api}.STREAM.INFO.${s}`,
        `${api}.STREAM.CREATE.${s}`,
        `${api}.STREAM.UPDATE.${s}`,
        `${api}.DIRECT.GET.${s}`,
        `${api}.DIRECT.GET.${s}.>`,
        `${api}.STREAM.MSG.GET.${s}`,
      ]),
      `${api}.CONSUMER.*.${stream}.>`,
      `${api}.CONSUMER.DURABLE.CREATE.${stream}.>`,
      `${api}.CONSUMER.MSG.NEXT.${stream}.>`,
      `$JS.ACK.${stream}.>`,
      ...buckets.map((b) => `$KV.${b}.>`),
      "_INBOX.>",
    ],
    subscribe: [`oxtail.${token}.>`, "_INBOX.>"],
  };
}

/** Options for {@link natsConfigSnippet}. */
export interface SnippetOptions {
  /** The project's name (shown in the comment). */
  project: string;
  /** Its token (the subjects). */
  token: string;
  /** The user's name. */
  user: string;
  /** A placeholder or a bcrypt hash for the password. */
  password: string;
}

/** A nats-server `authorization` users entry for one project's user (config-file accounts). */
export function natsConfigSnippet(options: SnippetOptions): string {
  const permissions = projectPermissions(options.token);
  const list = (subjects: string[]) => subjects.map((s) => `        ${JSON.stringify(s)}`).join("\n");
  return [
    `# oxtail project ${JSON.stringify(options.project)} (token ${options.token}): one user, this project only.`,
    "# Put it in the users list of nats-server's authorization block (docs/several-machines.md);",
    `# agents connect with OXTAIL_NATS_URL=nats://${options.user}:<password>@<host>:4222.`,
    "{",
    `  user: ${JSON.stringify(options.user)}`,
    `  password: ${JSON.stringify(options.password)}`,
    "  permissions: {",
    "    publish: {",
    "      allow: [",
    list(permissions.publish),
    "      ]",
    "    }",
    "    subscribe: {",
    "      allow: [",
    list(permissions.subscribe),
    "      ]",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
}
