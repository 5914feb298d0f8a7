import { AKS } from './aks';
import { AWS } from './aws';
import { GKE } from './gke';
import { ProviderFacts, SpotCapacityFacts, StorageClassFacts } from './provider';

export type { ProviderFacts, SpotCapacityFacts, StorageClassFacts } from './provider';

/**
 * Every provider the library knows: a new one is its own file in this folder and one entry
 * here. The order is the order findings about several capacities are reported in.
 */
export const PROVIDERS: ProviderFacts[] = [GKE, AKS, AWS];

/** A spot capacity with the provider whose nodes carry its label. */
export interface SpotCapacity extends SpotCapacityFacts {
  /** The provider's name (`ProviderFacts.name`). */
  readonly provider: string;
}

let capacities: { readonly of: ProviderFacts[]; readonly list: SpotCapacity[] } | undefined;

/** Every provider's spot capacities, in provider order (built again when the provider list changed). */
export function spotCapacities(): SpotCapacity[] {
  if (capacities === undefined || capacities.of.length !== PROVIDERS.length || capacities.of.some((p, i) => p !== PROVIDERS[i])) {
    capacities = { of: [...PROVIDERS], list: PROVIDERS.flatMap((p) => p.spotCapacities.map((c) => ({ ...c, provider: p.name }))) };
  }
  return capacities.list;
}

/** The provider named `name`, if the library knows it. */
export function providerNamed(name: string): ProviderFacts | undefined {
  return PROVIDERS.find((p) => p.name === name);
}

/** A storage class of any provider by name, with the provider's display name. */
export function storageClassNamed(name: string): StorageClassFacts | undefined {
  for (const provider of PROVIDERS) {
    const found = provider.storageClasses.find((c) => c.name === name);
    if (found) return found;
  }
  return undefined;
}
