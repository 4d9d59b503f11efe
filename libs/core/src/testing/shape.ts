// The shape and version group: what the loader checks, checked at test time with readable failures.
import assert from "node:assert/strict";
import { checkClientAdapter, isClientAdapter, isWakeStrategy } from "../adapter/define.js";
import { HOOK_ROLES } from "../adapter/hooks.js";
import {
  ADAPTER_API_VERSION,
  type ClientAdapter,
  type ClientAdapterCapabilities,
  MIN_ADAPTER_API_VERSION,
} from "../adapter/types.js";
import { isText, type Kit, kitTest } from "./_kit.js";

const NAME_RE = /^[a-z][a-z0-9-]{0,39}$/;
const CAPABILITIES: readonly (keyof ClientAdapterCapabilities)[] = [
  "transcript",
  "liveness",
  "hooks",
  "onboarding",
  "wake",
];

/** Each capability and the members it needs (all of them present exactly when it is declared, for v2 members). */
function assertCapabilitiesMatchMembers(adapter: ClientAdapter): void {
  const { capabilities: c } = adapter;
  for (const key of CAPABILITIES)
    assert.equal(typeof c[key], "boolean", `capabilities.${key} is declared (true or false)`);
  if (c.transcript) {
    assert.equal(typeof adapter.findTranscript, "function", "capabilities.transcript needs findTranscript");
    assert.equal(typeof adapter.readTranscript, "function", "capabilities.transcript needs readTranscript");
  }
  if (c.liveness) assert.equal(typeof adapter.liveness, "function", "capabilities.liveness needs liveness()");
  assert.equal(
    c.hooks,
    adapter.hooks !== undefined,
    "capabilities.hooks is true exactly when hooks is given",
  );
  assert.equal(
    c.onboarding,
    adapter.onboarding !== undefined,
    "capabilities.onboarding is true exactly when onboarding is given",
  );
  assert.equal(
    c.wake,
    adapter.wakeProfile !== undefined,
    "capabilities.wake is true exactly when wakeProfile is given",
  );
}

function assertRequirements(adapter: ClientAdapter): void {
  const { binaries = [], env = [], clientVersions, testedVersions = [] } = adapter.requirements;
  for (const list of [binaries, env, testedVersions])
    assert.ok(Array.isArray(list) && list.every(isText), "requirements lists hold names");
  assert.ok(clientVersions === undefined || isText(clientVersions), "requirements.clientVersions is a range");
}

/** Register the shape and version group. */
export function shapeGroup(kit: Kit, external: readonly string[]): void {
  const group = "shape";
  kitTest(kit, group, "the adapter is branded, named, versioned and frozen", () => {
    const adapter = kit.make();
    assert.ok(isClientAdapter(adapter), "made by defineClientAdapter (or checked by the loader)");
    assert.match(adapter.name, NAME_RE, "name is short kebab-case");
    assert.ok(isText(adapter.displayName), "displayName is given");
    assert.ok(
      Number.isInteger(adapter.apiVersion) &&
        adapter.apiVersion >= MIN_ADAPTER_API_VERSION &&
        adapter.apiVersion <= ADAPTER_API_VERSION,
      `apiVersion ${adapter.apiVersion} is one this core speaks (${MIN_ADAPTER_API_VERSION}..${ADAPTER_API_VERSION})`,
    );
    assert.equal(typeof adapter.detect, "function", "detect() is given");
    assert.ok(adapter.sessionIdHint === undefined || isText(adapter.sessionIdHint), "sessionIdHint is text");
    assertRequirements(adapter);
    assert.ok(Object.isFrozen(adapter), "adapters are immutable");
    assert.notEqual(kit.make(), adapter, "each factory call makes a new adapter");
  });

  kitTest(kit, group, "every declared capability comes with its members, and only those", () => {
    assertCapabilitiesMatchMembers(kit.make());
  });

  kitTest(kit, group, "the loader accepts it as it is (an adapter made by another copy of core)", () => {
    const adapter = kit.make();
    const loaded = checkClientAdapter({ ...adapter });
    assert.deepEqual(loaded.capabilities, adapter.capabilities, "the same capabilities once loaded");
    assert.equal(loaded.apiVersion, adapter.apiVersion);
  });

  if (kit.adapter.apiVersion === 1) {
    kitTest(
      kit,
      group,
      "a version-1 adapter is bridged: no hooks, no onboarding, wake by its profile",
      () => {
        const adapter = kit.make();
        assert.equal(adapter.capabilities.hooks, false, "v1 declared no hook events");
        assert.equal(adapter.capabilities.onboarding, false, "v1 had no onboarding");
        assert.equal(adapter.hooks, undefined);
        assert.equal(adapter.onboarding, undefined);
        assert.equal(adapter.capabilities.wake, adapter.wakeProfile !== undefined);
      },
    );
  }

  if (kit.adapter.capabilities.hooks && kit.adapter.hooks) {
    kitTest(kit, group, "hook events are unique, with a known role each", () => {
      const events = kit.make().hooks?.events ?? [];
      assert.ok(events.length > 0, "at least one event");
      const names = events.map((e) => e.event);
      assert.equal(new Set(names).size, names.length, `event names are unique (${names.join(", ")})`);
      for (const spec of events)
        assert.ok(HOOK_ROLES.includes(spec.role), `${spec.event}: role ${spec.role}`);
    });
  }

  if (kit.adapter.capabilities.wake) {
    kitTest(kit, group, "the wake profile names strategies that exist, each brought once", () => {
      const adapter = kit.make();
      const brought = adapter.wakeStrategies ?? [];
      for (const strategy of brought) assert.ok(isWakeStrategy(strategy), "made by defineWakeStrategy");
      const names = brought.map((s) => s.name);
      assert.equal(new Set(names).size, names.length, `strategy names are unique (${names.join(", ")})`);
      const ladder = adapter.wakeProfile?.ladder ?? [];
      assert.ok(ladder.length > 0, "the ladder has at least one rung");
      for (const rung of ladder)
        assert.ok(
          names.includes(rung.strategy) || external.includes(rung.strategy),
          `rung ${rung.strategy} is a strategy the adapter brings (${names.join(", ") || "none"}) or one oxtail has (${external.join(", ")}); name others in options.wake.external`,
        );
    });
  } else if ((kit.adapter.wakeStrategies ?? []).length > 0) {
    kitTest(kit, group, "wake strategies come with capabilities.wake", () => {
      assert.fail("wakeStrategies are given but capabilities.wake is false: declare it with a wakeProfile");
    });
  }
}
