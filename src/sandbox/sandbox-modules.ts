import type { ModuleStore } from '../modules/packages/module-store';
import type { ModuleBinding, ModuleResolver } from './runtime/contract';
import { notApprovedMessage, notInstalledMessage } from './runtime/module-imports';

/** What calls may import now: the allowed names, and the bundle of each that is installed. */
interface ModuleSet {
  allowed: Set<string>;
  bundles: Map<string, { sha256: string; source: string }>;
}

/**
 * The sandbox's view of the approved modules (docs/approvals.md#module-allowances): the allowed list
 * (`global_config.allowed_modules`, read through ModulesService) and, for each allowed name,
 * its installed bundle from the module store (`<DATA_DIR>/modules`, checked against its
 * sha256). Every call asks it, through the runtime, for the modules its code imports — so
 * one change of the list counts for every server at once, running or not, from the next
 * call on: `reloadAllowedModules` is run on each "modules changed" event (ServerChangesService).
 * An allowed module found missing is looked for in the store again at the call (an install
 * needs no event to count).
 */
export class SandboxModules implements ModuleResolver {
  private current: ModuleSet | undefined;
  private first: Promise<ModuleSet> | undefined;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly allowedModules: () => Promise<string[]>,
    private readonly store: ModuleStore,
  ) {}

  /** Reads the allowed list and the installed bundles again; calls that start after it settles see them. */
  async reloadAllowedModules(): Promise<void> {
    await this.load();
  }

  async resolve(names: string[]): Promise<ModuleBinding[]> {
    const set =
      this.current ??
      (await (this.first ??= this.load().catch((err: unknown) => {
        this.first = undefined; // the next call tries again
        throw err;
      })));
    const out: ModuleBinding[] = [];
    for (const name of names) {
      if (!set.allowed.has(name)) {
        out.push({ name, error: notApprovedMessage(name) });
        continue;
      }
      let bundle = set.bundles.get(name);
      if (!bundle) {
        const found = await this.store.readBundle(name).catch(() => null);
        if (found) set.bundles.set(name, (bundle = { sha256: found.module.bundleSha256, source: found.code }));
      }
      out.push(bundle ? { name, ...bundle } : { name, error: notInstalledMessage(name) });
    }
    return out;
  }

  /** One reload at a time, in order: the last one read is the one in force. */
  private load(): Promise<ModuleSet> {
    const next = this.turn.then(() => this.read());
    this.turn = next.catch(() => undefined);
    return next.then((set) => (this.current = set));
  }

  private async read(): Promise<ModuleSet> {
    const allowed = new Set(await this.allowedModules());
    const bundles = new Map<string, { sha256: string; source: string }>();
    for (const name of allowed) {
      const found = await this.store.readBundle(name).catch(() => null);
      if (found) bundles.set(name, { sha256: found.module.bundleSha256, source: found.code });
    }
    return { allowed, bundles };
  }
}
