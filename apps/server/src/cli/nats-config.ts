// `oxtail nats-config`: the nats-server configuration for this folder's project (SPEC §12): one users
// entry with the permissions the NATS transport needs and nothing of any other project, or (with
// --agents) an operator, the project's account and the signing key from which each agent's server
// mints its own user, one that reads only its own mailboxes.
import path from "node:path";
import {
  agentAuthority,
  agentServerConfig,
  natsConfigSnippet,
  projectIdentity,
} from "@oxtail/transport-nats";

/** What `oxtail nats-config` prints for a project user, or for per-agent users with `agents`. */
export function runNatsConfig(
  env: NodeJS.ProcessEnv,
  cwd: string,
  options: { user?: string; password?: string; agents?: string },
  out: (text: string) => void,
): number {
  const project = projectIdentity(env, cwd);
  if (options.agents !== undefined) {
    const authority = agentAuthority(path.resolve(cwd, options.agents), project);
    out(
      [
        `# oxtail project ${JSON.stringify(project.id)} (token ${project.token}): each agent its own user.`,
        `# ${authority.created ? "Made" : "Kept"} in ${authority.dir}: the operator, the project's account, a system account`,
        "# and the agents' signing key. Put these lines at the top level of nats-server's configuration, with",
        "# jetstream enabled, and remove any authorization block (docs/several-machines.md §4):",
        agentServerConfig(authority).trimEnd(),
        "#",
        `# Give each machine that runs this project's agents a copy of ${authority.signingKeyFile}`,
        "# (mode 600, over a private channel) and start oxtail there with",
        "#   OXTAIL_NATS_SIGNING_KEY=<that file>  (and no OXTAIL_NATS_CREDS nor user:password in OXTAIL_NATS_URL).",
        "# Whoever holds it can mint a user for any agent of this project: give it to trusted machines only.",
      ].join("\n"),
    );
    return 0;
  }
  const user = options.user ?? `oxtail-${project.token.slice(0, 8)}`;
  out(
    natsConfigSnippet({
      project: project.id,
      token: project.token,
      user,
      password: options.password ?? "CHANGE-ME",
    }).trimEnd(),
  );
  return 0;
}
