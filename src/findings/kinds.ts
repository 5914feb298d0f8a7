/**
 * The kinds the rules know: the batch and core kinds, and every engine's (engines/registry.ts).
 * Lint, the plugin and the constructs hand the same list to the rules, so a kind an engine
 * adds is walked, checked and counted everywhere at once.
 */
import { CrdSource } from '../engines/engine';
import { engineCrds, engineKinds, ENGINES } from '../engines/registry';
import { CORE_KINDS, WorkloadKinds } from '../k8s/workloads';

let cached: { readonly of: unknown[]; readonly kinds: WorkloadKinds } | undefined;

/** The workload kinds of the core API and of every registered engine (rebuilt when the engine list changes). */
export function workloadKinds(): WorkloadKinds {
  if (cached === undefined || cached.of.length !== ENGINES.length || cached.of.some((e, i) => e !== ENGINES[i])) {
    cached = { of: [...ENGINES], kinds: new WorkloadKinds([...CORE_KINDS, ...engineKinds()]) };
  }
  return cached.kinds;
}

/** Where the apiserver's OpenAPI comes from: the module the cluster suite builds the control plane from. */
export const KUBERNETES_OPENAPI = { module: 'k8s.io/kubernetes', dir: 'cluster', openapi: 'api/openapi-spec/swagger.json' };

/** Kueue's CRDs: what a queue label names (LocalQueue) and the objects of its configuration. */
const KUEUE_CRDS: CrdSource = {
  module: 'sigs.k8s.io/kueue',
  files: [
    { path: 'config/components/crd/bases/kueue.x-k8s.io_localqueues.yaml' },
    { path: 'config/components/crd/bases/kueue.x-k8s.io_clusterqueues.yaml' },
    { path: 'config/components/crd/bases/kueue.x-k8s.io_resourceflavors.yaml' },
    { path: 'config/components/crd/bases/kueue.x-k8s.io_workloadpriorityclasses.yaml' },
  ],
};

/**
 * Every CRD the strict schemas hold, by module (pinned in cluster/operators/go.mod): the
 * engines' and Kueue's. scripts/strict-schemas.js and the CRD import task read this list.
 */
export function crdSources(): CrdSource[] {
  return [...engineCrds(), KUEUE_CRDS];
}
