#!/usr/bin/env bash
# npm run test:node [-- test files]: the node suite. Builds what it needs (cached like the
# control plane), starts a cluster with real nodes in a network namespace of its own (the
# control plane and operators of the cluster suite, the kube-scheduler, and per node a
# containerd and a kubelet from the pinned k8s.io/kubernetes), runs test/node there, and stops
# and removes all of it: processes, mounts (a mount namespace of its own), cgroups, the network
# namespace, and the kernel settings the kubelet changes. Prints each phase's time.
#
# Needs root, Go, and Debian's containerd, runc, containernetworking-plugins, busybox-static and
# python3.11-minimal (installed here with apt-get when missing); without them it prints
# `node suite SKIPPED` with the reason (a failure under REQUIRE_ALL_SUITES).
#
# CLUSTER_BUILD_DIR  where the binaries and images are kept (default cluster/.build, ignored)
# TORCH_VENV_DIR     the torch virtualenv of test/torch, mounted read-only into the pods of
#                    the distributed scenario (built here if missing)
# NODE_SUITE_HOLD=1  start the cluster, print how to reach it, and keep it until Ctrl-C
#                    instead of running the tests (for writing a scenario)
set -euo pipefail
cd "$(dirname "$0")/.."
source cluster/lib.sh

phase_started=$(date +%s)
phase() { # the time since the last phase
  local now; now=$(date +%s)
  echo "node: $1 ($(( now - phase_started ))s)"
  phase_started=$now
}

require_go node
require_netns node

# Debian's container runtime and what the images are made of.
PACKAGES=(containerd runc containernetworking-plugins busybox-static dash python3.11-minimal libpython3.11-stdlib)
missing=()
# Installed, not merely known (a removed package keeps its config files and a dpkg status).
for p in "${PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || skip_suite node "Debian packages ${missing[*]} are missing and there is no apt-get to install them"
  echo "node: installing ${missing[*]} (apt-get)..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || skip_suite node "apt-get could not install ${missing[*]}"
  phase "installed ${missing[*]}"
fi
grep -qw overlay /proc/filesystems || skip_suite node "the kernel has no overlay filesystem (containerd's snapshotter)"
[ -d /sys/fs/cgroup ] || skip_suite node "no cgroup filesystem at /sys/fs/cgroup"

build_controlplane
build_node
phase "control plane, operators and node binaries"

# --- images: no registry is reachable, so each is a folder packed as an image archive ------
images="$build_dir/images"
mkdir -p "$images"
node_bin="$build_dir/node"
trainer_files=(examples/trainer/trainer.py test/node/fixtures/seed_trainer.py test/node/fixtures/crashing_trainer.py test/node/fixtures/ddp_trainer.py)
image_stamp=$( (cat cluster/node-test.sh cluster/images/nslookup.c "${trainer_files[@]}" "$node_bin.stamp"; dpkg -s "${PACKAGES[@]}" | grep -E '^(Package|Version)') | sha256sum | cut -d' ' -f1)
if [ "$(cat "$images/.stamp" 2>/dev/null)" != "$image_stamp" ]; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  # The pause container: Kubernetes' own build/pause/linux/pause.c, static.
  k8s_dir=$(cd cluster && go mod download -json k8s.io/kubernetes | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$work/pause"
  gcc -Os -static -DVERSION=v3.10-cdk8s-training -o "$work/pause/pause" "$k8s_dir/build/pause/linux/pause.c"
  "$node_bin" oci-image --name registry.k8s.io/pause:3.10 --rootfs "$work/pause" --entrypoint /pause --out "$images/pause.tar"
  # busybox: the sweep's helper image under the name the library emits (Debian's busybox 1.35,
  # with the applets the decoder uses).
  mkdir -p "$work/busybox/bin" "$work/busybox/tmp"
  cp /bin/busybox "$work/busybox/bin/busybox"
  for applet in sh sed echo cat ls sleep nslookup mkdir printf env test true false seq id; do ln -s busybox "$work/busybox/bin/$applet"; done
  "$node_bin" oci-image --name docker.io/library/busybox:1.36.1 --rootfs "$work/busybox" --out "$images/busybox.tar"
  # alpine:3.10, for init-pytorch's `nslookup <master>` loop: busybox with a nslookup that exits
  # 0 once the name resolves, as alpine 3.10's does (cluster/images/nslookup.c says why), and
  # Debian's dash as sh (busybox-static's sh would run its own nslookup applet instead).
  cp -a "$work/busybox" "$work/alpine"
  rm "$work/alpine/bin/nslookup" "$work/alpine/bin/sh"
  gcc -Os -static -o "$work/alpine/bin/nslookup" cluster/images/nslookup.c 2>/dev/null
  mkdir -p "$work/alpine/lib/x86_64-linux-gnu" "$work/alpine/lib64"
  cp /bin/dash "$work/alpine/bin/sh"
  cp -L /lib/x86_64-linux-gnu/libc.so.6 "$work/alpine/lib/x86_64-linux-gnu/"
  cp -L /lib64/ld-linux-x86-64.so.2 "$work/alpine/lib64/"
  "$node_bin" oci-image --name docker.io/library/alpine:3.10 --rootfs "$work/alpine" --out "$images/alpine.tar"
  # The trainer: Debian's python3.11 (its minimal stdlib and the libraries it and torch load),
  # busybox for a shell, the reference trainer and the seed team's variant.
  root="$work/trainer"
  cp -a "$work/busybox" "$root"
  dpkg -L python3.11-minimal libpython3.11-minimal libpython3.11-stdlib | while read -r f; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then mkdir -p "$root$(dirname "$f")"; cp -a "$f" "$root$f"; fi
    if [ -L "$f" ]; then mkdir -p "$root$(dirname "$f")"; cp -a "$f" "$root$f"; fi
  done
  ln -sf python3.11 "$root/usr/bin/python3"
  libs=$(for f in /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'; done | sort -u)
  for lib in $libs /lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libgcc_s.so.1 /lib/x86_64-linux-gnu/libutil.so.1 \
    /lib/x86_64-linux-gnu/librt.so.1 /lib/x86_64-linux-gnu/libdl.so.2 /lib/x86_64-linux-gnu/libpthread.so.0 /lib64/ld-linux-x86-64.so.2; do
    real=$(readlink -f "$lib"); mkdir -p "$root$(dirname "$lib")" "$root$(dirname "$real")"
    cp -a "$real" "$root$real"; [ "$real" = "$lib" ] || ln -sf "$real" "$root$lib"
  done
  mkdir -p "$root/app"
  cp "${trainer_files[@]}" "$root/app/"
  "$node_bin" oci-image --name localhost/cdk8s-training/trainer:node-suite --rootfs "$root" --env PYTHONUNBUFFERED=1 --out "$images/trainer.tar"
  rm -rf "$work"; trap - EXIT
  echo "$image_stamp" > "$images/.stamp"
  phase "images built ($(du -sh "$images" | cut -f1))"
else
  echo "node: images up to date ($images)"
fi

# The torch virtualenv of test/torch, for the distributed scenario (the pods mount it read-only).
TORCH_VENV_DIR="${TORCH_VENV_DIR:-test/torch/.venv}" bash test/torch/venv.sh
export TORCH_VENV="$(realpath "${TORCH_VENV_DIR:-test/torch/.venv}")"
phase "torch virtualenv"

# --- the cluster ---------------------------------------------------------------------------
ns="cdk8s-training-node-$$"
control=10.250.0.1
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/cdk8s-training-node.XXXXXX")
sysctls=(vm.overcommit_memory kernel.panic kernel.panic_on_oops)
declare -A saved
for s in "${sysctls[@]}"; do saved[$s]=$(sysctl -n "$s"); done
cp_pid=""; node_pid=""
# node up mounts a private folder over /var/log/containers in its own mount namespace; the
# folder it mounts on is left on the machine only if it was there before.
had_container_logs=$([ -d /var/log/containers ] && echo 1 || true)
stop() {
  local code=$?
  trap - EXIT INT TERM
  local stopping; stopping=$(date +%s)
  for pid in $node_pid $cp_pid; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "node: pid $pid did not stop in 60s: killed" >&2; kill -KILL "$pid" 2>/dev/null || true; }
    wait "$pid" 2>/dev/null || true
  done
  grep -h "stopped" "$run_dir/node.log" "$run_dir/up.log" 2>/dev/null || true
  # A backstop: nothing started from the run's folder outlives the suite.
  if pgrep -f "$run_dir" >/dev/null 2>&1; then
    echo "node: killing what was left running: $(pgrep -f "$run_dir" | tr '\n' ' ')" >&2
    pkill -9 -f "$run_dir" 2>/dev/null || true
  fi
  if [ "$code" -ne 0 ]; then
    echo "node: component logs (last lines):" >&2
    tail -n 15 "$run_dir"/logs/*.log "$run_dir"/nodes/logs/*.log 2>/dev/null >&2 || true
  fi
  # The kubelet sets these when it starts (protectKernelDefaults off): put back what was there.
  for s in "${sysctls[@]}"; do sysctl -qw "$s=${saved[$s]}" || true; done
  netns_delete "$ns"
  [ -n "$had_container_logs" ] || rmdir /var/log/containers 2>/dev/null || true
  for c in /sys/fs/cgroup/*/cdk8s-training-node-*; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$run_dir"
  echo "node: stopped and cleaned up in $(( $(date +%s) - stopping ))s"
  exit "$code"
}
trap stop EXIT INT TERM
netns_create "$ns" "$control" 10.250.0.2 10.250.0.3

export TRAINING_OPERATOR_INIT_TEMPLATE="$run_dir/init-pytorch.yaml"
TS_NODE_TRANSPILE_ONLY=true node --require ts-node/register -e \
  "process.stdout.write(require('./src').DistributedPyTorchJob.RESTRICTED_INIT_CONTAINER_TEMPLATE)" > "$TRAINING_OPERATOR_INIT_TEMPLATE"
op_flags=(
  --operator "training-operator=$build_dir/operators/training-operator.v1,$(module_dir github.com/kubeflow/training-operator)"
  --operator "jobset=$build_dir/operators/jobset,$(module_dir sigs.k8s.io/jobset)"
)
# The controllers a real node needs, beside the cluster suite's.
node_controllers=(persistentvolume-binder-controller namespace-controller root-ca-certificate-publisher-controller
  taint-eviction-controller pod-garbage-collector-controller node-lifecycle-controller endpointslice-controller)
in_netns_background "$ns" "$build_dir/controlplane" up --dir "$run_dir" --address "$control" "${op_flags[@]}" \
  $(printf -- '--controller %s ' "${node_controllers[@]}") > "$run_dir/up.log" 2>&1 &
cp_pid=$!
until grep -q "controlplane: ready" "$run_dir/up.log" 2>/dev/null; do
  kill -0 "$cp_pid" 2>/dev/null || { cat "$run_dir/up.log" >&2; echo "node: the control plane did not start" >&2; exit 1; }
  sleep 0.2
done
grep -h "controlplane:" "$run_dir/up.log"
phase "control plane and operators started"

# Two nodes: node-a on-demand, node-b labelled and tainted as GKE spot capacity (what
# SpotScheduling.gke() selects and tolerates); each advertises 16 nvidia.com/gpu by hand (scenarios run side by side).
in_netns_background "$ns" unshare --mount --propagation slave "$node_bin" up --own-mount-namespace --dir "$run_dir/nodes" --kubeconfig "$run_dir/kubeconfig" \
  --dns "$control:53" \
  --node "name=node-a,ip=10.250.0.2,pods=10.251.0.0/24,gpus=16" \
  --node "name=node-b,ip=10.250.0.3,pods=10.251.1.0/24,gpus=16,label=cloud.google.com/gke-spot:true,taint=cloud.google.com/gke-spot=true:NoSchedule" \
  $(for i in "$images"/*.tar; do printf -- '--image %s ' "$i"; done) > "$run_dir/node.log" 2>&1 &
node_pid=$!
until grep -q "node: ready" "$run_dir/node.log" 2>/dev/null; do
  kill -0 "$node_pid" 2>/dev/null || { cat "$run_dir/node.log" >&2; echo "node: the nodes did not start" >&2; exit 1; }
  sleep 0.2
done
grep -h "node:" "$run_dir/node.log"
phase "nodes ready"

if [ -n "${NODE_SUITE_HOLD:-}" ]; then
  echo "node: holding the cluster until Ctrl-C; from another shell:"
  echo "  KUBECONFIG=$run_dir/kubeconfig NODE_SUITE_DIR=$run_dir nsenter --net=/run/netns/$ns <command>"
  while kill -0 "$node_pid" 2>/dev/null && kill -0 "$cp_pid" 2>/dev/null; do sleep 1; done
  exit 1
fi

files=("$@")
named=0
for f in ${files[@]+"${files[@]}"}; do [[ "$f" == -* ]] || named=1; done
if [ "$named" = 0 ]; then files+=(test/node/*.test.ts); fi
# A file whose header says `node-suite: whole node` reclaims a whole node (a NoExecute taint
# takes every pod on it, other scenarios' too): those run one at a time, first; the rest side
# by side.
alone=() together=() flags=()
for f in "${files[@]}"; do
  if [[ "$f" == -* ]]; then flags+=("$f")  # node --test options (e.g. --test-name-pattern=JobSet) go to both
  elif grep -q "node-suite: whole node" "$f"; then alone+=("$f"); else together+=("$f"); fi
done
scenarios() { # CONCURRENCY FILES...
  local concurrency=$1; shift
  NODE_SUITE_DIR="$run_dir" KUBECONFIG="$run_dir/kubeconfig" TS_NODE_PROJECT=test/tsconfig.json TS_NODE_TRANSPILE_ONLY=true \
    in_netns "$ns" node --require ts-node/register --require ./test/cluster/util/setup.ts \
    --test --test-reporter=spec --test-concurrency="$concurrency" --test-timeout=900000 ${flags[@]+"${flags[@]}"} "$@"
}
failed=0
if [ ${#alone[@]} -gt 0 ]; then
  scenarios 1 "${alone[@]}" || failed=1
  phase "scenarios that take a whole node, one at a time"
fi
if [ ${#together[@]} -gt 0 ]; then
  scenarios 4 "${together[@]}" || failed=1
  phase "scenarios side by side"
fi
[ "$failed" = 0 ]
