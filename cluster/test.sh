#!/usr/bin/env bash
# npm run test:cluster [-- test files]: builds the local control plane and the operators if
# needed (Go modules pinned in cluster/go.mod and cluster/operators/go.mod), starts them on
# this machine, runs the cluster suite (test/cluster)
# against it and always stops what it started. Prints build, startup and shutdown times.
#
# CLUSTER_BUILD_DIR  where the compiled control plane is kept (default cluster/.build, ignored);
#                    it is rebuilt only when go.mod, go.sum or the Go sources change.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${CLUSTER_BUILD_DIR:-cluster/.build}"
bin="$build_dir/controlplane"

if ! command -v go >/dev/null 2>&1; then
  echo "cluster suite SKIPPED: no Go toolchain on PATH (Go 1.26+ builds the control plane from cluster/go.mod)" >&2
  # CI (REQUIRE_ALL_SUITES=1) must not pass on a suite that did not run.
  if [ -n "${REQUIRE_ALL_SUITES:-}" ]; then exit 1; fi
  exit 0
fi

# The version the apiserver reports (Kueue and the operators read it): the pinned module's.
k8s_version=$(cd cluster && go list -m -f '{{.Version}}' k8s.io/kubernetes)
k8s_minor=${k8s_version#v*.}; k8s_minor=${k8s_minor%%.*}
ldflags="-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor -X k8s.io/component-base/version.gitTreeState=clean"

# The operators (cluster/operators/go.mod `tool` lines): Training Operator, JobSet, Kubeflow
# Trainer and Kueue, each from its own module, built into the same folder.
stamp=$(cat cluster/go.mod cluster/go.sum cluster/operators/go.mod cluster/operators/go.sum $(find cluster/cmd -name '*.go' | sort) | sha256sum | cut -d' ' -f1)
if [ ! -x "$bin" ] || [ "$(cat "$bin.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "cluster: building the control plane (kube-apiserver, kube-controller-manager, etcd from cluster/go.mod)..."
  started=$(date +%s)
  mkdir -p "$build_dir"
  out=$(cd "$build_dir" && pwd)
  (cd cluster && go build -buildvcs=false -ldflags "$ldflags" -o "$out/controlplane.tmp" ./cmd/controlplane)
  echo "cluster: control plane built in $(( $(date +%s) - started ))s; building the operators (cluster/operators/go.mod)..."
  started=$(date +%s)
  mkdir -p "$out/operators"
  (cd cluster/operators && go build -buildvcs=false -o "$out/operators/" tool)
  echo "cluster: operators built in $(( $(date +%s) - started ))s"
  mv "$build_dir/controlplane.tmp" "$bin"
  echo "$stamp" > "$bin.stamp"
else
  echo "cluster: control plane and operators up to date ($bin)"
fi

# Each operator's CRDs and webhook configurations come from its own Go module, at the version
# cluster/operators/go.mod pins (`go mod download` verifies it against go.sum).
module_dir() { (cd cluster/operators && go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'); }
training_operator=$(module_dir github.com/kubeflow/training-operator)
op_flags=(
  --operator "training-operator=$build_dir/operators/training-operator.v1,$training_operator"
  --operator "jobset=$build_dir/operators/jobset,$(module_dir sigs.k8s.io/jobset)"
  --operator "trainer=$build_dir/operators/trainer-controller-manager,$(module_dir github.com/kubeflow/trainer/v2)"
  --operator "kueue=$build_dir/operators/kueue,$(module_dir sigs.k8s.io/kueue)"
)
# The suite reads what the operator injects into pods from the same module's source.
export TRAINING_OPERATOR_DIR="$training_operator"

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
  rm -rf "$run_dir"
  exit "$code"
}
trap stop EXIT INT TERM

# The Training Operator runs as the README tells a platform team to run it: with the library's
# Pod Security "restricted" init container template.
export TRAINING_OPERATOR_INIT_TEMPLATE="$run_dir/init-pytorch.yaml"
TS_NODE_TRANSPILE_ONLY=true node --require ts-node/register -e \
  "process.stdout.write(require('./src').DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE)" > "$TRAINING_OPERATOR_INIT_TEMPLATE"

started_ms=$(date +%s%3N)
"$bin" up --dir "$run_dir" "${op_flags[@]}" > "$run_dir/up.log" 2>&1 &
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
echo "cluster: started in $(( ($(date +%s%3N) - started_ms) ))ms"

# Node's test runner, not Jest: @kubernetes/client-node is an ES module, which Jest's module
# registry cannot load (test/cluster/util/setup.ts). Each file runs in its own process.
files=("$@")
if [ ${#files[@]} -eq 0 ]; then files=(test/cluster/*.test.ts); fi
# CONTROLPLANE_BIN: placement.test.ts asks it which nodes the scheduler's node affinity admits a pod to.
CONTROLPLANE_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" \
KUBECONFIG="$run_dir/kubeconfig" TS_NODE_PROJECT=test/tsconfig.json TS_NODE_TRANSPILE_ONLY=true \
  node --require ts-node/register --require ./test/cluster/util/setup.ts \
  --test --test-reporter=spec --test-concurrency=4 "${files[@]}"
