// The onboarding part of the adapter contract (version 2): the exact file changes `oxtail setup`
// makes for a client, their inverse for `oxtail uninstall`, and the checks `oxtail doctor` runs.
// Plans are pure: an adapter reads files and returns changes; oxtail shows or applies them.

/** One file change: its content before (null: absent) and after (null: remove it). */
export interface FileChange {
  path: string;
  before: string | null;
  after: string | null;
  /** What the change is, in a few words (`MCP server`, `hooks`, `/oxtail-join command`). */
  what: string;
}

/** A way to start a program, as a client's config names it. */
export interface CommandLine {
  command: string;
  args: string[];
}

/** An option an adapter's setup takes (shown as `--<name>` / `--no-<name>` on `oxtail setup`). */
export interface OnboardingOption {
  /** kebab-case name. */
  name: string;
  description: string;
  /** Its value when not given. */
  default: boolean;
}

/** What an onboarding plan is made for. */
export interface OnboardingContext {
  /** The environment setup runs in (HOME, the client's own config variables). */
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home folder. */
  home: string;
  /** The folder setup runs in (for project-scoped configs). */
  cwd: string;
  /** Write the MCP entry into the project's config instead of the user's, where the client has one. */
  project: boolean;
  /** Only the hooks (`install-hook` / `uninstall-hook`). */
  hooksOnly: boolean;
  /**
   * Leave the hooks out (default false): there is no installed hook program to point them at
   * (`oxtail setup --npx` run from npx's cache, which npm may delete).
   */
  noHooks?: boolean;
  /** How the client should start oxtail's MCP server. */
  server: CommandLine;
  /** The absolute path of oxtail's hook program (`oxtail-hook`). */
  hookProgram: string;
  /** Values of the adapter's {@link OnboardingOption}s. */
  options: Readonly<Record<string, boolean>>;
}

/** One line of `oxtail doctor`. */
export interface DoctorCheck {
  /** `ok`, `fix` (something is wrong: say how to fix it), or `note` (optional, informative). */
  status: "ok" | "fix" | "note";
  /** What was checked, and what was found. */
  what: string;
  /** What to do, for `fix`. */
  fix?: string;
}

/** What `oxtail doctor` lends an adapter's checks: ways to try what the client would run. */
export interface DoctorContext extends OnboardingContext {
  /** Start `server` as an MCP client would and list its tools; the tool names, or the error. */
  probeServer(server: CommandLine): Promise<{ ok: true; tools: string[] } | { ok: false; error: string }>;
  /** Run a hook command line with a payload on stdin; what it printed and its exit code. */
  probeHook(
    command: string,
    stdin: string,
    env?: Readonly<Record<string, string>>,
  ): Promise<{ exitCode: number | null; stdout: string; stderr: string; error?: string }>;
}

/** Whether a client is installed on this machine, and which version. */
export interface ClientInstallation {
  installed: boolean;
  version: string | null;
  /** How it was found (a binary on PATH, a config folder), or why not. */
  how: string;
}

/** A client's onboarding: what setup changes, how uninstall reverts it, what doctor checks. */
export interface ClientOnboarding {
  /** Setup options this adapter takes. */
  readonly options?: readonly OnboardingOption[];
  /** Is the client installed here (setup's default set is the installed clients)? */
  installed(context: Pick<OnboardingContext, "env" | "home">): Promise<ClientInstallation>;
  /** True when setup has configured this client (its entries are present). */
  configured(context: OnboardingContext): Promise<boolean>;
  /** The changes setup makes. Reads files, writes nothing; a second plan after applying is empty. */
  plan(context: OnboardingContext): Promise<FileChange[]>;
  /** The changes uninstall makes: exactly setup's entries removed, everything else kept. */
  unplan(context: OnboardingContext): Promise<FileChange[]>;
  /** What the user must still do after setup applied the plan (e.g. trust new hooks in the client), one line each. */
  notes?(context: OnboardingContext): string[] | Promise<string[]>;
  /** The checks `oxtail doctor` runs for this client (only when it is configured). */
  check(context: DoctorContext): Promise<DoctorCheck[]>;
}

/**
 * An onboarding whose code loads on its first use: `oxtail setup`, `uninstall` and `doctor` pay for
 * it, the MCP server (which only asks `configured` once, in the background) and the hook program do
 * not. `options` are known at once (they become command-line flags).
 */
export function lazyOnboarding(
  options: readonly OnboardingOption[] | undefined,
  load: () => Promise<ClientOnboarding>,
  /** A `configured` that needs none of the loaded code (the server asks it at every start). */
  eager: Pick<ClientOnboarding, "configured"> | null = null,
): ClientOnboarding {
  let loaded: Promise<ClientOnboarding> | null = null;
  const get = () => {
    loaded ??= load();
    return loaded;
  };
  return {
    ...(options ? { options } : {}),
    installed: async (context) => (await get()).installed(context),
    configured: async (context) => (eager ?? (await get())).configured(context),
    plan: async (context) => (await get()).plan(context),
    unplan: async (context) => (await get()).unplan(context),
    check: async (context) => (await get()).check(context),
    notes: async (context) => (await (await get()).notes?.(context)) ?? [],
  };
}
