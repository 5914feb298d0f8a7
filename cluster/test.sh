#!/usr/bin/env bash
# npm run test:cluster [-- test files]: builds the local control plane and the operators if
# needed (Go modules pinned in cluster/go.mod and cluster/operators/go.mod), starts them in a
# network namespace of their own, runs the cluster suite (test/cluster) against them there,
# and always stops what it started. Prints build, startup and shutdown times.
#
# CLUSTER_BUILD_DIR  where the compiled control plane is kept (default cluster/.build, ignored);
#                    it is rebuilt only when go.mod, go.sum or the Go sources change.
set -euo pipefail
cd "$(dirname "$0")/.."
source cluster/lib.sh

require_go cluster
require_netns cluster
build_controlplane
bin="$build_dir/controlplane"

training_operator=$(module_dir github.com/kubeflow/training-operator)
op_flags=(
  --operator "training-operator=$build_dir/operators/training-operator.v1,$training_operator"
  --operator "jobset=$build_dir/operators/jobset,$(module_dir sigs.k8s.io/jobset)"
  --operator "trainer=$build_dir/operators/trainer-controller-manager,$(module_dir github.com/kubeflow/trainer/v2)"
  --operator "kueue=$build_dir/operators/kueue,$(module_dir sigs.k8s.io/kueue)"
)
# The suite reads what the operator injects into pods from the same module's source.
export TRAINING_OPERATOR_DIR="$training_operator"

# The cluster serves on an address of this namespace only (the operators' webhooks too: the
# apiserver refuses loopback endpoints); the tests run inside it.
ns="cdk8s-training-cluster-$$"
address=10.249.0.1
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/cdk8s-training-cluster.XXXXXX")
pid=""
stop() {
  local code=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -h "stopped" "$run_dir/up.log" || true
  fi
  if [ "$code" -ne 0 ] && [ -d "$run_dir/logs" ]; then
    echo "cluster: component logs (last lines):" >&2
    tail -n 20 "$run_dir"/logs/*.log >&2 || true
  fi
  netns_delete "$ns"
  rm -rf "$run_dir"
  exit "$code"
}
trap stop EXIT INT TERM
netns_create "$ns" "$address"

# The Training Operator runs as the docs tell a platform team to run it: with the library's
# Pod Security "restricted" init container template.
export TRAINING_OPERATOR_INIT_TEMPLATE="$run_dir/init-pytorch.yaml"
TS_NODE_TRANSPILE_ONLY=true node --require ts-node/register -e \
  "process.stdout.write(require('./src').DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE)" > "$TRAINING_OPERATOR_INIT_TEMPLATE"

started_ms=$(date +%s%3N)
in_netns_background "$ns" "$bin" up --dir "$run_dir" --address "$address" "${op_flags[@]}" > "$run_dir/up.log" 2>&1 &
pid=$!
until grep -q "controlplane: ready" "$run_dir/up.log" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "cluster: the control plane did not start:" >&2
    cat "$run_dir/up.log" >&2
    exit 1
  fi
  sleep 0.2
done
grep -h "controlplane:" "$run_dir/up.log"
echo "cluster: started in $(( ($(date +%s%3N) - started_ms) ))ms (network namespace $ns, $address)"

# Node's test runner, not Jest: @kubernetes/client-node is an ES module, which Jest's module
# registry cannot load (test/cluster/util/setup.ts). Each file runs in its own process.
files=("$@")
if [ ${#files[@]} -eq 0 ]; then files=(test/cluster/*.test.ts); fi
# CONTROLPLANE_BIN: placement.test.ts asks it which nodes the scheduler's node affinity admits a pod to.
CONTROLPLANE_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" \
KUBECONFIG="$run_dir/kubeconfig" TS_NODE_PROJECT=test/tsconfig.json TS_NODE_TRANSPILE_ONLY=true \
  in_netns "$ns" node --require ts-node/register --require ./test/cluster/util/setup.ts \
  --test --test-reporter=spec --test-concurrency=4 "${files[@]}"
