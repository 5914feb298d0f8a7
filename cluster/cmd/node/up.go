package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// nodeSpec is one node of the local cluster: a containerd and a kubelet of its own, its pod
// network on a bridge of its own, the labels and taints it registers with.
type nodeSpec struct {
	name, ip, pods string
	labels, taints []string
	gpus           string
}

func parseNode(v string) (nodeSpec, error) {
	var n nodeSpec
	for _, part := range strings.Split(v, ",") {
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return n, fmt.Errorf("--node %q: %q is not key=value", v, part)
		}
		switch key {
		case "name":
			n.name = value
		case "ip":
			n.ip = value
		case "pods":
			n.pods = value
		case "label":
			n.labels = append(n.labels, strings.Replace(value, ":", "=", 1))
		case "taint":
			n.taints = append(n.taints, value)
		case "gpus":
			n.gpus = value
		default:
			return n, fmt.Errorf("--node %q: unknown key %q (name, ip, pods, label, taint, gpus)", v, key)
		}
	}
	if n.name == "" || n.ip == "" || n.pods == "" {
		return n, fmt.Errorf("--node %q: name, ip and pods are required", v)
	}
	return n, nil
}

type child struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited, err set
	err    error
}

func startChild(name string, logDir string, argv ...string) (*child, error) {
	log, err := os.Create(filepath.Join(logDir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		log.Close()
		c.err = fmt.Errorf("%s exited: %v (log: %s)", name, err, log.Name())
		close(c.exited)
	}()
	return c, nil
}

func (c *child) stop(timeout time.Duration) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// up starts the node half of the cluster against a running control plane, in the network
// namespace and mount namespace the suite runs it in, and stops all of it on SIGTERM.
func up(args []string) int {
	flags := flag.NewFlagSet("up", flag.ContinueOnError)
	dir := flags.String("dir", "", "working folder of the nodes (required)")
	kubeconfig := flags.String("kubeconfig", "", "the control plane's kubeconfig (required)")
	dnsAddress := flags.String("dns", "", "the cluster DNS address, e.g. 10.250.0.1:53 (required)")
	cni := flags.String("cni-bin", "/usr/lib/cni", "folder of the CNI plugins")
	ownMounts := flags.Bool("own-mount-namespace", false, "runs in a mount namespace of its own (unshare --mount): mount a private /var/log/containers")
	var nodeFlags, images stringList
	flags.Var(&nodeFlags, "node", "name=N,ip=IP,pods=CIDR[,label=K:V][,taint=K=V:EFFECT][,gpus=N] (repeatable)")
	flags.Var(&images, "image", "an image archive to import into every node's containerd (repeatable)")
	if err := flags.Parse(args); err != nil || *dir == "" || *kubeconfig == "" || *dnsAddress == "" || len(nodeFlags) == 0 {
		fmt.Fprintln(os.Stderr, "usage: node up --dir DIR --kubeconfig FILE --dns ADDR --node SPEC... [--image FILE]...")
		return 2
	}
	var nodes []nodeSpec
	for _, v := range nodeFlags {
		n, err := parseNode(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "node: %v\n", err)
			return 2
		}
		nodes = append(nodes, n)
	}
	start := time.Now()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	run := &nodeRun{dir: *dir, kubeconfig: *kubeconfig, cniBin: *cni, ownMountNamespace: *ownMounts}
	defer run.stop()
	if err := run.start(nodes, images, strings.Split(*dnsAddress, ":")[0], *dnsAddress); err != nil {
		fmt.Fprintf(os.Stderr, "node: %v\n", err)
		return 1
	}
	fmt.Printf("node: %d nodes ready after %.1fs\n", len(nodes), time.Since(start).Seconds())
	fmt.Println("node: ready")
	select {
	case sig := <-sigs:
		stopStart := time.Now()
		run.stop()
		fmt.Printf("node: stopped on %s in %.1fs\n", sig, time.Since(stopStart).Seconds())
		return 0
	case err := <-run.firstExit():
		fmt.Fprintf(os.Stderr, "node: %v\n", err)
		return 1
	}
}

type nodeRun struct {
	dir, kubeconfig, cniBin string
	children                []*child
	sockets                 []string
	cgroups                 []string
	stopped                 bool
	ownMountNamespace       bool
}

func (r *nodeRun) firstExit() <-chan error {
	out := make(chan error, len(r.children))
	for _, c := range r.children {
		go func(c *child) { <-c.exited; out <- c.err }(c)
	}
	return out
}

func (r *nodeRun) start(nodes []nodeSpec, images []string, dnsIP, dnsAddress string) error {
	logs := filepath.Join(r.dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if r.ownMountNamespace {
		if err := privateContainerLogs(r.dir); err != nil {
			return err
		}
	}
	for _, n := range nodes {
		nodeDir := filepath.Join(r.dir, n.name)
		for _, sub := range []string{"containerd", "cni/net.d", "cni/state", "kubelet"} {
			if err := os.MkdirAll(filepath.Join(nodeDir, sub), 0o755); err != nil {
				return err
			}
		}
		socket := filepath.Join(nodeDir, "containerd", "containerd.sock")
		if err := writeNodeConfig(nodeDir, n, socket, r.cniBin, dnsIP); err != nil {
			return err
		}
		c, err := startChild(n.name+"-containerd", logs, "containerd", "--config", filepath.Join(nodeDir, "containerd", "config.toml"))
		if err != nil {
			return err
		}
		r.children = append(r.children, c)
		r.sockets = append(r.sockets, socket)
		if err := waitFile(socket, 30*time.Second); err != nil {
			return fmt.Errorf("%s containerd: %w", n.name, err)
		}
		for _, image := range images {
			out, err := exec.Command("ctr", "--address", socket, "-n", "k8s.io", "images", "import", image).CombinedOutput()
			if err != nil {
				return fmt.Errorf("%s: ctr images import %s: %v: %s", n.name, image, err, out)
			}
		}
		cgroup := "cdk8s-training-" + n.name
		if err := makeCgroupRoot(cgroup); err != nil {
			return err
		}
		r.cgroups = append(r.cgroups, cgroup)
		argv := []string{self, "kubelet",
			"--config", filepath.Join(nodeDir, "kubelet", "config.yaml"),
			"--kubeconfig", r.kubeconfig,
			"--root-dir", filepath.Join(nodeDir, "kubelet", "root"),
			"--cert-dir", filepath.Join(nodeDir, "kubelet", "pki"),
			"--hostname-override", n.name,
			"--node-ip", n.ip,
		}
		if len(n.labels) > 0 {
			argv = append(argv, "--node-labels", strings.Join(n.labels, ","))
		}
		if len(n.taints) > 0 {
			argv = append(argv, "--register-with-taints", strings.Join(n.taints, ","))
		}
		k, err := startChild(n.name+"-kubelet", logs, argv...)
		if err != nil {
			return err
		}
		r.children = append(r.children, k)
	}
	scheduler, err := startChild("kube-scheduler", logs, self, "kube-scheduler", "--kubeconfig", r.kubeconfig, "--leader-elect=false", "--secure-port=0")
	if err != nil {
		return err
	}
	dns, err := startChild("dns", logs, self, "dns", "--kubeconfig", r.kubeconfig, "--listen", dnsAddress)
	if err != nil {
		return err
	}
	r.children = append(r.children, scheduler, dns)
	return r.waitReady(nodes, 3*time.Minute)
}

// waitReady waits for every node to be Ready, then advertises its GPUs (an extended resource
// on the node's status, as the Kubernetes docs advertise one by hand: no device plugin runs).
func (r *nodeRun) waitReady(nodes []nodeSpec, timeout time.Duration) error {
	config, err := clientcmd.BuildConfigFromFlags("", r.kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	exited := r.firstExit()
	for _, n := range nodes {
		for {
			node, err := client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
			if err == nil && ready(node) {
				break
			}
			select {
			case err := <-exited:
				return err
			case <-ctx.Done():
				return fmt.Errorf("node %s not Ready after %s (see %s)", n.name, timeout, filepath.Join(r.dir, "logs"))
			case <-time.After(250 * time.Millisecond):
			}
		}
		if n.gpus != "" {
			quantity := resource.MustParse(n.gpus)
			patch, _ := json.Marshal(map[string]any{"status": map[string]any{"capacity": map[string]any{"nvidia.com/gpu": quantity.String()}}})
			if _, err := client.CoreV1().Nodes().Patch(ctx, n.name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
				return fmt.Errorf("node %s: advertise GPUs: %w", n.name, err)
			}
		}
	}
	// The default ServiceAccount of every namespace the tests create comes from its controller;
	// the scheduler is ready once it has bound nothing yet but runs: nothing more to wait for.
	return nil
}

func ready(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// stop stops the kubelets and the rest, kills what the pods left running and removes the
// cgroups the kubelets made; the network and mount namespaces go with the suite.
func (r *nodeRun) stop() {
	if r.stopped {
		return
	}
	r.stopped = true
	for i := len(r.children) - 1; i >= 0; i-- {
		c := r.children[i]
		if strings.HasSuffix(c.name, "-kubelet") || c.name == "kube-scheduler" || c.name == "dns" {
			c.stop(10 * time.Second)
		}
	}
	for _, socket := range r.sockets {
		killTasks(socket)
	}
	for _, c := range r.children {
		if strings.HasSuffix(c.name, "-containerd") {
			c.stop(10 * time.Second)
		}
	}
	// The runc shims outlive containerd: they are found by the socket they were started with.
	for _, socket := range r.sockets {
		_ = exec.Command("pkill", "-9", "-f", "containerd-shim-runc-v2 -namespace k8s.io -address "+socket).Run()
	}
	for _, cgroup := range r.cgroups {
		removeCgroupRoot(cgroup)
	}
}

func killTasks(socket string) {
	out, err := exec.Command("ctr", "--address", socket, "-n", "k8s.io", "tasks", "ls", "-q").Output()
	if err != nil {
		return
	}
	for _, id := range strings.Fields(string(out)) {
		_ = exec.Command("ctr", "--address", socket, "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", id).Run()
	}
	time.Sleep(500 * time.Millisecond)
	for _, id := range strings.Fields(string(out)) {
		_ = exec.Command("ctr", "--address", socket, "-n", "k8s.io", "tasks", "delete", "-f", id).Run()
	}
}

func waitFile(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not appear in %s", path, timeout)
}

// cgroupControllers are the cgroup v1 hierarchies mounted under /sys/fs/cgroup.
func cgroupControllers() []string {
	entries, _ := os.ReadDir("/sys/fs/cgroup")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, filepath.Join("/sys/fs/cgroup", e.Name()))
		}
	}
	return out
}

// makeCgroupRoot creates the kubelet's cgroupRoot in every hierarchy (cpuset with its parent's
// CPUs and memory nodes: an empty cpuset takes no task).
func makeCgroupRoot(name string) error {
	for _, controller := range cgroupControllers() {
		path := filepath.Join(controller, name)
		if err := os.MkdirAll(path, 0o755); err != nil {
			return err
		}
		if filepath.Base(controller) == "cpuset" {
			for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
				value, err := os.ReadFile(filepath.Join(controller, file))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(path, file), value, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// removeCgroupRoot removes the cgroupRoot and every cgroup below it, deepest first.
func removeCgroupRoot(name string) {
	for _, controller := range cgroupControllers() {
		root := filepath.Join(controller, name)
		var dirs []string
		_ = filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err == nil && info.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
		for _, dir := range dirs {
			for attempt := 0; attempt < 20; attempt++ {
				if err := os.Remove(dir); err == nil || os.IsNotExist(err) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}

// writeNodeConfig writes the node's containerd, CNI and kubelet configuration.
func writeNodeConfig(nodeDir string, n nodeSpec, socket, cniBin, dnsIP string) error {
	containerd := fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.opt", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = %[3]q
[ttrpc]
  address = "%[3]s.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # These machines have no CAP_SYS_RESOURCE: without it every sandbox fails to start.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %[4]q
    conf_dir = %[5]q
`, filepath.Join(nodeDir, "containerd", "root"), filepath.Join(nodeDir, "containerd", "state"), socket, cniBin, filepath.Join(nodeDir, "cni", "net.d"))
	if err := os.WriteFile(filepath.Join(nodeDir, "containerd", "config.toml"), []byte(containerd), 0o644); err != nil {
		return err
	}
	// Each node's pods on a bridge of its own; the bridges are in the same network namespace,
	// which routes between them.
	bridge := "cni-" + n.name
	if len(bridge) > 15 {
		bridge = bridge[:15]
	}
	conflist := fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "cdk8s-training-%[1]s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": %[2]q,
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {"type": "host-local", "dataDir": %[3]q, "ranges": [[{"subnet": %[4]q}]], "routes": [{"dst": "0.0.0.0/0"}]}
    },
    {"type": "loopback"}
  ]
}
`, n.name, bridge, filepath.Join(nodeDir, "cni", "state"), n.pods)
	if err := os.WriteFile(filepath.Join(nodeDir, "cni", "net.d", "10-bridge.conflist"), []byte(conflist), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(nodeDir, "kubelet", "resolv.conf"), nil, 0o644); err != nil {
		return err
	}
	kubelet := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %[1]s
port: 10250
readOnlyPort: 0
healthzPort: 0
# Reached only from inside the suite's network namespace.
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
# The machine has cgroup v1 and no systemd.
cgroupDriver: cgroupfs
cgroupRoot: /cdk8s-training-%[2]s
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://%[3]s
clusterDomain: cluster.local
clusterDNS: [%[4]s]
resolvConf: %[5]s
enforceNodeAllocatable: []
evictionHard: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
maxPods: 40
staticPodPath: ""
nodeStatusUpdateFrequency: 2s
syncFrequency: 5s
# Each kubelet its own: a kubelet removes the log folders of pods it does not run, so a shared
# /var/log/pods loses the other node's logs while its containers still write them.
podLogsDir: %[6]s
`, n.ip, n.name, socket, dnsIP, filepath.Join(nodeDir, "kubelet", "resolv.conf"), filepath.Join(nodeDir, "pod-logs"))
	return os.WriteFile(filepath.Join(nodeDir, "kubelet", "config.yaml"), []byte(kubelet), 0o644)
}

// privateContainerLogs gives the kubelets a /var/log/containers of the run's own (the folder
// of log symlinks every kubelet writes, at a path no setting moves), by a bind mount that stays
// in the mount namespace the suite runs `node up` in (--own-mount-namespace).
func privateContainerLogs(dir string) error {
	private := filepath.Join(dir, "container-logs")
	for _, d := range []string{private, "/var/log/containers"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := syscall.Mount(private, "/var/log/containers", "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind-mounting %s over /var/log/containers: %w", private, err)
	}
	return nil
}
