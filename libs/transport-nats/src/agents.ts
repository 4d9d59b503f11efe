import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createAccount, createOperator, createUser, fromSeed, type KeyPair } from "@nats-io/nkeys";
import { OxtailError } from "@oxtail/core";
import { ensurePrivateDir, readPrivateFile, writePrivateFileAtomic } from "@oxtail/core/runtime";
import { projectNames } from "./names.js";
import type { ProjectIdentity } from "./project.js";

/*
 * Per-agent credentials (SPEC §12: "each agent's credentials allow it to read only its own inbox"),
 * with nats-server's decentralised JWT authentication (docs/several-machines.md §4 cites the formats):
 * an operator, one account per project, and a *scoped* signing key of that account whose permissions
 * are a template. Every oxtail server holding the signing key mints, in memory, a user for itself whose
 * tags name its own mailboxes; the server expands the template with those tags, so the user may
 * consume its own mailboxes' durable consumers and no other, while it may publish into any mailbox.
 *
 * nats-server 2.9 expands a template only when it is a whole subject token (`{{name()}}`, `{{tag(x)}}`),
 * so `mbox_{{name()}}` is not possible: the tags carry whole tokens (`consumer:mbox_<key>`,
 * `mailbox:<key>`), and the user's name is its current consumer name, for the monitoring pages.
 */

/** The tag names the signing key's template reads. */
const TAG = { mailbox: "mailbox", consumer: "consumer", instance: "instance", inbox: "inbox" } as const;

/** Publish and subscribe templates of the agents' signing key. */
export interface AgentTemplate {
  pub: { allow: string[] };
  sub: { allow: string[] };
}

/**
 * What an agent of project `token` may do, as a signing-key template: publish into any mailbox and
 * wake any peer; create, inspect, read and acknowledge only its own mailboxes' consumers (any
 * consumer's info: counts, no bodies); never read the mailbox stream directly; use the project's KV
 * buckets; subscribe only to its own mailboxes, wake subject and reply inboxes.
 */
export function agentTemplate(token: string): AgentTemplate {
  const names = projectNames(token);
  const stream = names.stream;
  const buckets = [names.presence, names.receipts, names.asks];
  const api = "$JS.API";
  const tag = (name: string) => `{{tag(${name})}}`;
  return {
    pub: {
      allow: [
        `${names.mailboxes}.*`,
        `oxtail.${token}.wake.*`,
        `${api}.INFO`,
        // The mailbox stream: made by the first agent, read only through consumers. No stream is
        // updated (an update could make a stream republish or source the mailboxes).
        `${api}.STREAM.INFO.${stream}`,
        `${api}.STREAM.CREATE.${stream}`,
        ...buckets
          .map((b) => `KV_${b}`)
          .flatMap((s) => [
            `${api}.STREAM.INFO.${s}`,
            `${api}.STREAM.CREATE.${s}`,
            `${api}.DIRECT.GET.${s}`,
            `${api}.DIRECT.GET.${s}.>`,
            `${api}.STREAM.MSG.GET.${s}`,
          ]),
        `${api}.CONSUMER.INFO.${stream}.*`,
        // The filter is part of the subject (nats-server checks it against the request): own mailbox only.
        `${api}.CONSUMER.CREATE.${stream}.${tag(TAG.consumer)}.${names.mailboxes}.${tag(TAG.mailbox)}`,
        `${api}.CONSUMER.MSG.NEXT.${stream}.${tag(TAG.consumer)}`,
        `$JS.ACK.${stream}.${tag(TAG.consumer)}.>`,
        ...buckets.map((b) => `$KV.${b}.>`),
        "_INBOX.>",
      ],
    },
    sub: {
      allow: [
        `${names.mailboxes}.${tag(TAG.mailbox)}`,
        `oxtail.${token}.wake.${tag(TAG.instance)}`,
        `_INBOX.${tag(TAG.inbox)}.>`,
      ],
    },
  };
}

// --- JWT encoding -----------------------------------------------------------------------------

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString("base64url");
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A NATS JWT (nats-io/jwt v2): header `{"typ":"JWT","alg":"ed25519-nkey"}`, claims with `jti` (the
 * base32 SHA-512/256 of the claims without it), `iat`, `iss` (the signer's public key), `sub`, `name`
 * and `nats`; both base64url without padding, signed with the signer's ed25519 nkey.
 */
export function encodeJwt(
  signer: KeyPair,
  claims: { sub: string; name: string; nats: Record<string, unknown> },
): string {
  const body: Record<string, unknown> = {
    jti: "",
    iat: Math.floor(Date.now() / 1000),
    iss: signer.getPublicKey(),
    name: claims.name,
    sub: claims.sub,
  };
  body.jti = base32(createHash("sha512-256").update(JSON.stringify(body)).digest());
  body.nats = claims.nats;
  const toSign = `${b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }))}.${b64url(JSON.stringify(body))}`;
  return `${toSign}.${b64url(signer.sign(Buffer.from(toSign)))}`;
}

/** The claims of a JWT, unverified (for tests and `doctor`). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
}

// --- the operator's folder ----------------------------------------------------------------------

/** The signing key file each machine gets (`OXTAIL_NATS_SIGNING_KEY`). */
export interface SigningKeyFile {
  /** Always {@link SIGNING_KEY_KIND}. */
  kind: string;
  version: 1;
  /** The project's name and token: a key for another project is refused. */
  project: string;
  token: string;
  /** The project account's public key (the users' `issuer_account`). */
  account: string;
  /** The seed of the account's scoped signing key (`SA…`). */
  seed: string;
}

export const SIGNING_KEY_KIND = "oxtail-nats-signing-key";
/** The file name of project `token`'s signing key in the operator's folder. */
export function signingKeyFileName(token: string): string {
  return `signing-key-${token}.json`;
}

/** One project's account in the operator's folder. */
export interface ProjectAccount {
  project: string;
  token: string;
  /** The account's public key. */
  account: string;
  jwt: string;
}

/** What `oxtail nats-config --agents` made or found, and the server configuration it prints. */
export interface AgentAuthority {
  dir: string;
  /** True when this project's account and signing key were made now (false: found from an earlier run). */
  created: boolean;
  operatorJwt: string;
  /** This project's account. */
  account: string;
  /** Every project's account in the folder, this one included. */
  accounts: ProjectAccount[];
  systemAccount: string;
  systemAccountJwt: string;
  /** This project's signing key file, the one each machine gets. */
  signingKeyFile: string;
}

const OPERATOR_SEED = "operator.nk";
const SYSTEM_SEED = "system-account.nk";
const accountSeedName = (token: string) => `account-${token}.nk`;
const ACCOUNT_SEED_RE = /^account-([0-9a-f]{16})\.nk$/;

function readSeed(file: string, prefix: string): KeyPair | null {
  const text = readPrivateFile(file)?.trim();
  if (text === undefined) return null;
  try {
    const pair = fromSeed(new TextEncoder().encode(text));
    if (!pair.getPublicKey().startsWith(prefix)) throw new Error("wrong kind of key");
    return pair;
  } catch (error) {
    throw new OxtailError("invalid-input", `${file} is not an nkey seed: ${(error as Error).message}.`);
  }
}

function writeSeed(file: string, pair: KeyPair): void {
  writePrivateFileAtomic(file, `${new TextDecoder().decode(pair.getSeed())}\n`, { fsync: true });
}

function incomplete(dir: string, files: string[]): OxtailError {
  return new OxtailError(
    "invalid-input",
    `${dir} holds some of oxtail's NATS keys but not all (${files.join(", ")}): restore the missing ones, or use another folder.`,
  );
}

/** An account's limits with nothing limited (-1), as nats-server reads them from the account JWT. */
const NO_ACCOUNT_LIMITS = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
} as const;

/** The account JWT of a project, signed by the operator, with the agents' scoped signing key. */
function accountJwt(
  operator: KeyPair,
  account: KeyPair,
  signer: string,
  project: string,
  token: string,
): string {
  return encodeJwt(operator, {
    sub: account.getPublicKey(),
    name: `oxtail ${project}`.slice(0, 200),
    nats: {
      type: "account",
      version: 2,
      limits: {
        ...NO_ACCOUNT_LIMITS,
        // JetStream is on for an account whose storage limits are not 0.
        mem_storage: -1,
        disk_storage: -1,
        streams: -1,
        consumer: -1,
      },
      signing_keys: [
        {
          kind: "user_scope",
          key: signer,
          role: "oxtail-agent",
          template: { ...agentTemplate(token), subs: -1, data: -1, payload: -1 },
        },
      ],
      default_permissions: { pub: {}, sub: {} },
    },
  });
}

/**
 * Make, once, in `dir` (private: 0700, files 0600) the operator and a system account, and, once per
 * project, its account and the agents' scoped signing key; sign every JWT again on each run from the
 * kept seeds (a newer oxtail's template reaches the server configuration). One folder serves one
 * nats-server: every project's account made in it is in the configuration.
 */
export function agentAuthority(dir: string, project: ProjectIdentity): AgentAuthority {
  ensurePrivateDir(dir);
  const at = (name: string) => path.join(dir, name);
  let operator = readSeed(at(OPERATOR_SEED), "O");
  let system = readSeed(at(SYSTEM_SEED), "A");
  if (!operator || !system) {
    if (operator || system) throw incomplete(dir, [OPERATOR_SEED, SYSTEM_SEED]);
    operator = createOperator();
    system = createAccount();
    writeSeed(at(OPERATOR_SEED), operator);
    writeSeed(at(SYSTEM_SEED), system);
  }
  const accountFile = at(accountSeedName(project.token));
  const keyFile = at(signingKeyFileName(project.token));
  const account = readSeed(accountFile, "A");
  const existing = readPrivateFile(keyFile);
  const created = !account;
  if (!account || existing === null) {
    if (account || existing !== null)
      throw incomplete(dir, [accountSeedName(project.token), signingKeyFileName(project.token)]);
    const made = createAccount();
    const signer = createAccount();
    writeSeed(accountFile, made);
    const file: SigningKeyFile = {
      kind: SIGNING_KEY_KIND,
      version: 1,
      project: project.id,
      token: project.token,
      account: made.getPublicKey(),
      seed: new TextDecoder().decode(signer.getSeed()),
    };
    writePrivateFileAtomic(keyFile, `${JSON.stringify(file, null, 2)}\n`, { fsync: true });
  }
  const accounts: ProjectAccount[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const token = ACCOUNT_SEED_RE.exec(name)?.[1];
    if (!token) continue;
    const pair = readSeed(at(name), "A");
    const file = at(signingKeyFileName(token));
    const text = readPrivateFile(file);
    if (!pair || text === null) throw incomplete(dir, [name, signingKeyFileName(token)]);
    const key = loadSigningKeyText(file, text, token);
    if (key.account !== pair.getPublicKey())
      throw new OxtailError("invalid-input", `${file} belongs to another account than ${name}.`);
    const projectId = (JSON.parse(text) as SigningKeyFile).project;
    accounts.push({
      project: projectId,
      token,
      account: pair.getPublicKey(),
      jwt: accountJwt(operator, pair, key.pair.getPublicKey(), projectId, token),
    });
  }
  const mine = accounts.find((a) => a.token === project.token);
  if (!mine) throw incomplete(dir, [accountSeedName(project.token)]);
  const operatorJwt = encodeJwt(operator, {
    sub: operator.getPublicKey(),
    name: "oxtail",
    nats: { type: "operator", version: 2, system_account: system.getPublicKey() },
  });
  const systemAccountJwt = encodeJwt(operator, {
    sub: system.getPublicKey(),
    name: "SYS",
    nats: {
      type: "account",
      version: 2,
      limits: NO_ACCOUNT_LIMITS,
      default_permissions: { pub: {}, sub: {} },
    },
  });
  return {
    dir,
    created,
    operatorJwt,
    account: mine.account,
    accounts,
    systemAccount: system.getPublicKey(),
    systemAccountJwt,
    signingKeyFile: keyFile,
  };
}

/** The nats-server configuration lines of an {@link AgentAuthority}: every project's account of its folder. */
export function agentServerConfig(authority: AgentAuthority): string {
  return [
    `operator: ${authority.operatorJwt}`,
    `system_account: ${authority.systemAccount}`,
    "resolver: MEMORY",
    "resolver_preload: {",
    ...authority.accounts.flatMap((a) => [
      `  # oxtail project ${JSON.stringify(a.project)} (token ${a.token})`,
      `  ${a.account}: ${a.jwt}`,
    ]),
    "  # the system account",
    `  ${authority.systemAccount}: ${authority.systemAccountJwt}`,
    "}",
    "",
  ].join("\n");
}

// --- each machine: the signing key and the users it mints ---------------------------------------

/** A loaded signing key. */
export interface SigningKey {
  account: string;
  pair: KeyPair;
  file: string;
}

function badKey(file: string, why: string): OxtailError {
  return new OxtailError(
    "invalid-input",
    `OXTAIL_NATS_SIGNING_KEY=${file}: ${why} It must be the signing-key-<project token>.json that \`oxtail nats-config --agents <dir>\` wrote (docs/several-machines.md §4).`,
  );
}

function loadSigningKeyText(file: string, text: string, token: string): SigningKey {
  let parsed: Partial<SigningKeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<SigningKeyFile>;
  } catch {
    throw badKey(file, "not JSON.");
  }
  if (parsed?.kind !== SIGNING_KEY_KIND || parsed.version !== 1)
    throw badKey(file, "not an oxtail signing key.");
  if (parsed.token !== token)
    throw badKey(
      file,
      `it is the key of project ${JSON.stringify(parsed.project)}, not of this folder's project (token ${token}).`,
    );
  if (typeof parsed.account !== "string" || !/^A[A-Z2-7]{55}$/.test(parsed.account))
    throw badKey(file, "its account is not an account public key.");
  let pair: KeyPair;
  try {
    pair = fromSeed(new TextEncoder().encode(String(parsed.seed)));
  } catch {
    throw badKey(file, "its seed is not an nkey seed.");
  }
  if (!pair.getPublicKey().startsWith("A")) throw badKey(file, "its seed is not an account signing key.");
  return { account: parsed.account, pair, file };
}

/**
 * Read `OXTAIL_NATS_SIGNING_KEY`: a private regular file (not a symlink, not readable by others) in the
 * format of {@link SigningKeyFile}, for the project `token`. `invalid-input` or `unsafe-path` saying why not.
 */
export function loadSigningKey(file: string, token: string): SigningKey {
  let text: string | null;
  try {
    text = readPrivateFile(file, { maxBytes: 64 * 1024 });
  } catch (error) {
    const why = (error as Error).message;
    if (error instanceof OxtailError && error.code === "unsafe-path")
      throw new OxtailError("unsafe-path", `OXTAIL_NATS_SIGNING_KEY=${file}: ${why}`);
    throw badKey(file, `cannot be read (${why}).`);
  }
  if (text === null) throw badKey(file, "no such file.");
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new OxtailError(
      "unsafe-path",
      `OXTAIL_NATS_SIGNING_KEY=${file}: other users may read it (mode ${mode.toString(8)}); chmod 600 it.`,
    );
  return loadSigningKeyText(file, text, token);
}

/** An agent's user, minted in memory from a {@link SigningKey}; its tags grow as it learns its mailboxes. */
export interface AgentUser {
  /** The subject prefix of this connection's reply inboxes (the only inboxes it may subscribe to). */
  inboxPrefix: string;
  /** The current user JWT. */
  jwt(): string;
  /** The user's nkey seed (made fresh for this process). */
  seed(): Uint8Array;
  /** Say which instance and mailboxes this server has; true when the JWT changed (a reconnect applies it). */
  identify(instanceId: string, keys: readonly string[]): boolean;
  /** The mailbox keys it may read. */
  keys(): string[];
}

const TOKEN_RE = /^[A-Za-z0-9-]+$/;

/** A user for this server, signed by the scoped signing key. */
export function createAgentUser(
  key: SigningKey,
  names = { consumer: (k: string) => `mbox_${k}` },
): AgentUser {
  const user = createUser();
  const inbox = randomBytes(12).toString("hex");
  const keys: string[] = [];
  const instances: string[] = [];
  let current = "";
  const mint = () => {
    const primary = keys.at(-1);
    current = encodeJwt(key.pair, {
      sub: user.getPublicKey(),
      name: primary ? names.consumer(primary) : `oxtail-${inbox}`,
      nats: {
        type: "user",
        version: 2,
        issuer_account: key.account,
        tags: [
          `${TAG.inbox}:${inbox}`,
          ...instances.map((i) => `${TAG.instance}:${i}`),
          ...keys.flatMap((k) => [`${TAG.mailbox}:${k}`, `${TAG.consumer}:${names.consumer(k)}`]),
        ],
      },
    });
  };
  mint();
  return {
    inboxPrefix: `_INBOX.${inbox}`,
    jwt: () => current,
    seed: () => user.getSeed(),
    identify(instanceId, mailboxKeys) {
      let changed = false;
      if (TOKEN_RE.test(instanceId) && !instances.includes(instanceId)) {
        instances.push(instanceId);
        changed = true;
      }
      for (const mailboxKey of mailboxKeys)
        if (TOKEN_RE.test(mailboxKey) && !keys.includes(mailboxKey)) {
          keys.push(mailboxKey);
          changed = true;
        }
      if (changed) mint();
      return changed;
    },
    keys: () => [...keys],
  };
}
