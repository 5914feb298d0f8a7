/**
 * Loaded first by the cluster suite's runner (node --test, see cluster/test.sh): the shared
 * test helpers (test/util) assert with Jest's `expect`, which the Node runner does not define.
 * The suite runs on Node's runner because @kubernetes/client-node is an ES module, which
 * Jest's module registry cannot load and Node's require can.
 */
import { expect } from 'expect';

(globalThis as any).expect = expect;
