// `oxtail nats-config`: the nats-server users entry for this folder's project (SPEC §12), with the
// permissions the NATS transport needs and nothing of any other project.
import { natsConfigSnippet, projectIdentity } from "@oxtail/transport-nats";

/** What `oxtail nats-config` prints for a project user. */
export function runNatsConfig(
  env: NodeJS.ProcessEnv,
  cwd: string,
  options: { user?: string; password?: string },
  out: (text: string) => void,
): number {
  const project = projectIdentity(env, cwd);
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
