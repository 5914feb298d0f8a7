# Shared by the cluster suite (cluster/test.sh) and the node suite (cluster/node-test.sh):
# building the control plane, the operators and the node from the Go modules cluster/go.mod
# and cluster/operators/go.mod pin (each kept in CLUSTER_BUILD_DIR and rebuilt only when its
# pins or sources change), and the network namespace a suite runs its cluster in.
# Sourced with the repository root as the working folder.

build_dir="${CLUSTER_BUILD_DIR:-cluster/.build}"

# A suite that cannot run says so; under REQUIRE_ALL_SUITES (CI) that is a failure.
skip_suite() { # NAME REASON
  echo "$1 suite SKIPPED: $2" >&2
  if [ -n "${REQUIRE_ALL_SUITES:-}" ]; then exit 1; fi
  exit 0
}

require_go() { # SUITE
  command -v go >/dev/null 2>&1 || skip_suite "$1" "no Go toolchain on PATH (Go 1.26+ builds the cluster from cluster/go.mod)"
}

# Suites run their cluster in a network namespace of their own: root (or CAP_NET_ADMIN and
# CAP_SYS_ADMIN) and iproute2 are needed.
require_netns() { # SUITE
  [ "$(id -u)" = 0 ] || skip_suite "$1" "not root: the cluster runs in a network namespace the suite creates (ip netns add)"
  command -v ip >/dev/null 2>&1 || skip_suite "$1" "no ip command (Debian's iproute2) to create the suite's network namespace"
  command -v nsenter >/dev/null 2>&1 || skip_suite "$1" "no nsenter (util-linux)"
}

# The version the apiserver and the kubelet report (Kueue and the operators read it): the pinned module's.
k8s_ldflags() {
  local version minor
  version=$(cd cluster && go list -m -f '{{.Version}}' k8s.io/kubernetes)
  minor=${version#v*.}; minor=${minor%%.*}
  echo "-X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}

# The control plane (cmd/controlplane) and the operators (cluster/operators/go.mod `tool` lines).
build_controlplane() {
  local bin="$build_dir/controlplane" stamp out started ldflags
  stamp=$(cat cluster/go.mod cluster/go.sum cluster/operators/go.mod cluster/operators/go.sum $(find cluster/cmd/controlplane -name '*.go' | sort) | sha256sum | cut -d' ' -f1)
  if [ -x "$bin" ] && [ "$(cat "$bin.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "cluster: control plane and operators up to date ($bin)"
    return
  fi
  echo "cluster: building the control plane (kube-apiserver, kube-controller-manager, etcd from cluster/go.mod)..."
  started=$(date +%s)
  mkdir -p "$build_dir"
  out=$(cd "$build_dir" && pwd)
  ldflags=$(k8s_ldflags)
  (cd cluster && go build -buildvcs=false -ldflags "$ldflags" -o "$out/controlplane.tmp" ./cmd/controlplane)
  echo "cluster: control plane built in $(( $(date +%s) - started ))s; building the operators (cluster/operators/go.mod)..."
  started=$(date +%s)
  mkdir -p "$out/operators"
  (cd cluster/operators && go build -buildvcs=false -o "$out/operators/" tool)
  echo "cluster: operators built in $(( $(date +%s) - started ))s"
  mv "$build_dir/controlplane.tmp" "$bin"
  echo "$stamp" > "$bin.stamp"
}

# The node (cmd/node): kubelet, kube-scheduler, the cluster DNS and the image packer.
build_node() {
  local bin="$build_dir/node" stamp out started ldflags
  stamp=$(cat cluster/go.mod cluster/go.sum $(find cluster/cmd/node -name '*.go' | sort) | sha256sum | cut -d' ' -f1)
  if [ -x "$bin" ] && [ "$(cat "$bin.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "node: kubelet, scheduler and DNS up to date ($bin)"
    return
  fi
  echo "node: building the kubelet and the kube-scheduler (cluster/go.mod)..."
  started=$(date +%s)
  mkdir -p "$build_dir"
  out=$(cd "$build_dir" && pwd)
  ldflags=$(k8s_ldflags)
  (cd cluster && go build -buildvcs=false -ldflags "$ldflags" -o "$out/node.tmp" ./cmd/node)
  mv "$build_dir/node.tmp" "$bin"
  echo "$stamp" > "$bin.stamp"
  echo "node: built in $(( $(date +%s) - started ))s"
}

# Each operator's CRDs and webhook configurations come from its own Go module, at the version
# cluster/operators/go.mod pins (`go mod download` verifies it against go.sum).
module_dir() { (cd cluster/operators && go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'); }

# A network namespace with one interface (a veth whose peer stays inside) holding the
# addresses the cluster serves on: nothing the suite starts listens on, or talks to, any
# address outside loopback and this namespace.
netns_create() { # NAME ADDRESS...
  local ns=$1; shift
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip link add cluster0 type veth peer name cluster1
  for address in "$@"; do ip netns exec "$ns" ip addr add "$address/24" dev cluster0; done
  ip netns exec "$ns" ip link set cluster0 up
  ip netns exec "$ns" ip link set cluster1 up
  # Pods of different nodes reach each other through the namespace (per-namespace setting).
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
}

netns_delete() { # NAME
  ip netns del "$1" 2>/dev/null || true
}

# Runs a command in the suite's network namespace, keeping the machine's /sys (its cgroup mounts).
in_netns() { # NAME COMMAND...
  local ns=$1; shift
  nsenter --net="/run/netns/$ns" "$@"
}

# The same for a command started with `&`: the background subshell becomes the command (exec),
# so $! is its pid and a signal sent to $! reaches it, not a shell that would die and leave it.
in_netns_background() { # NAME COMMAND... (only ever followed by &)
  local ns=$1; shift
  exec nsenter --net="/run/netns/$ns" "$@"
}
